package org.jntpd;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.constantpool.ClassEntry;
import java.lang.classfile.constantpool.MemberRefEntry;
import java.lang.classfile.constantpool.PoolEntry;
import java.lang.classfile.constantpool.Utf8Entry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jntpd.platform.NativeBuild;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package rules of docs/DESIGN.md, read from the document itself (its "Packages" table and the two rules under
 * "What the architecture test checks") and checked against every class the build compiled from src/main
 * (target/classes) with the class-file API: every class a class file names in its constant pool (class entries, and
 * the types in every descriptor and generic signature) counts, so imports, fully-qualified names, static imports,
 * nested classes, lambdas and inlined constants (javac names their class) are all seen. The sources' {@code org.jntpd}
 * names are checked too (comments and strings aside), so that an unused import pointing up fails as well.
 */
class ArchitectureTest {
    private static final Path DESIGN = NativeBuild.projectDir().resolve("docs/DESIGN.md");
    private static final Path CLASSES = NativeBuild.buildDir().resolve("classes");
    private static final Path SOURCES = NativeBuild.projectDir().resolve("src/main/java");
    private static final String ROOT = "org/jntpd/";
    private static final Pattern TICKED = Pattern.compile("`([^`]+)`");
    private static final Pattern DESCRIPTOR_TYPE = Pattern.compile("L([\\w/$]+)[;<]");
    private static final Pattern SOURCE_NAME =
            Pattern.compile("\\borg\\.jntpd\\.((?:[a-z][a-z0-9_]*\\.)*[a-z][a-z0-9_]*)\\.([A-Z]\\w*|\\*)");
    private static final Pattern COMMENT_OR_STRING =
            Pattern.compile("//[^\\n]*|/\\*.*?\\*/|\"\"\".*?\"\"\"|\"(?:\\\\.|[^\"\\\\\\n])*\"|'(?:\\\\.|[^'\\\\\\n])+'",
                    Pattern.DOTALL);

    private static Map<String, Set<String>> mayUse;
    private static Set<String> ffmPackages;
    private static Set<String> purePackages;
    private static List<String> pureForbidden;
    private static Map<String, ClassModel> classes;

    @BeforeAll
    static void readTheRulesAndTheClasses() throws IOException {
        String design = Files.readString(DESIGN);
        mayUse = packageTable(design);
        ffmPackages = new TreeSet<>(ticked(ruleLine(design, "**FFM linking**").split(":", 2)[1]));
        String[] pure = ruleLine(design, "**Pure packages**").split(":", 2);
        purePackages = new TreeSet<>(ticked(pure[0]));
        pureForbidden = ticked(pure[1]);
        assertTrue(!ffmPackages.isEmpty() && !purePackages.isEmpty() && !pureForbidden.isEmpty(),
                "the rule lines name packages and what is forbidden");
        classes = new TreeMap<>();
        try (Stream<Path> files = Files.walk(CLASSES)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                ClassModel m = ClassFile.of().parse(Files.readAllBytes(f));
                classes.put(m.thisClass().asInternalName(), m);
            }
        }
        assertTrue(classes.size() > 100, "the main classes are compiled under " + CLASSES + ": " + classes.size());
    }

    /** {@code | `pkg` | what | may use |} rows of the table under "## Packages": pkg -> the ticked names in may use. */
    static Map<String, Set<String>> packageTable(String design) {
        Map<String, Set<String>> table = new LinkedHashMap<>();
        boolean inSection = false;
        for (String line : design.lines().toList()) {
            if (line.startsWith("## ")) {
                inSection = line.startsWith("## Packages");
            } else if (inSection && line.startsWith("| `")) {
                String[] cells = line.split("\\|");
                List<String> name = ticked(cells[1]);
                if (name.size() != 1 || cells.length < 4) {
                    fail("a package row names one package and has a 'may use' cell: " + line);
                }
                table.put(name.getFirst(), new TreeSet<>(ticked(cells[cells.length - 1])));
            }
        }
        if (table.isEmpty()) {
            fail(DESIGN + " has no package table under '## Packages'");
        }
        return table;
    }

    /** The list item that starts with {@code label}, its continuation lines joined. */
    private static String ruleLine(String design, String label) {
        List<String> lines = design.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("- " + label)) {
                StringBuilder item = new StringBuilder(lines.get(i));
                for (int j = i + 1; j < lines.size() && lines.get(j).startsWith("  "); j++) {
                    item.append(' ').append(lines.get(j).strip());
                }
                return item.toString();
            }
        }
        throw new AssertionError(DESIGN + " has no list item starting '- " + label + "'");
    }

    private static List<String> ticked(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = TICKED.matcher(text);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /** "org/jntpd/server/linux/Server$1" -> "server.linux"; null outside org.jntpd. */
    private static String packageOf(String internalName) {
        if (!internalName.startsWith(ROOT)) {
            return null;
        }
        int slash = internalName.lastIndexOf('/');
        return slash < ROOT.length() ? "" : internalName.substring(ROOT.length(), slash).replace('/', '.');
    }

    /** Every class a class file names: class entries, and the types in descriptors and signatures. */
    private static Set<String> referencedClasses(ClassModel m) {
        Set<String> out = new TreeSet<>();
        for (PoolEntry e : m.constantPool()) {
            if (e instanceof ClassEntry c) {
                String n = c.asInternalName();
                Matcher d = DESCRIPTOR_TYPE.matcher(n); // array classes: [Lorg/jntpd/...;
                if (n.startsWith("[")) {
                    while (d.find()) {
                        out.add(d.group(1));
                    }
                } else {
                    out.add(n);
                }
            } else if (e instanceof Utf8Entry u) {
                Matcher d = DESCRIPTOR_TYPE.matcher(u.stringValue());
                while (d.find()) {
                    out.add(d.group(1));
                }
            }
        }
        return out;
    }

    @Test
    void shouldDescribeEveryPackageOnceWithDependenciesThatExistAndPointDown() {
        List<String> problems = new ArrayList<>();
        Set<String> compiled = new TreeSet<>();
        for (String c : classes.keySet()) {
            compiled.add(packageOf(c));
        }
        for (String p : compiled) {
            if (!mayUse.containsKey(p)) {
                problems.add("package " + p + " is not in the table");
            }
        }
        for (Map.Entry<String, Set<String>> row : mayUse.entrySet()) {
            if (!compiled.contains(row.getKey())) {
                problems.add("package " + row.getKey() + " is in the table but has no class");
            }
            for (String used : row.getValue()) {
                if (!mayUse.containsKey(used)) {
                    problems.add(row.getKey() + " may use " + used + ", which is not a row of the table");
                }
            }
        }
        // Down means acyclic: repeatedly take away the packages that use nothing left.
        Map<String, Set<String>> left = new TreeMap<>();
        mayUse.forEach((p, uses) -> left.put(p, new TreeSet<>(uses)));
        boolean removed = true;
        while (removed) {
            removed = false;
            for (String p : List.copyOf(left.keySet())) {
                left.get(p).retainAll(left.keySet());
                if (left.get(p).isEmpty() || left.get(p).equals(Set.of(p))) {
                    left.remove(p);
                    removed = true;
                }
            }
        }
        if (!left.isEmpty()) {
            problems.add("the table's dependencies form a cycle among " + left.keySet());
        }
        if (!problems.isEmpty()) {
            fail("docs/DESIGN.md's package table:\n  " + String.join("\n  ", problems));
        }
    }

    @Test
    void shouldUseOnlyThePackagesTheTableAllows() throws IOException {
        Set<String> violations = new TreeSet<>();
        for (Map.Entry<String, ClassModel> c : classes.entrySet()) {
            String from = packageOf(c.getKey());
            for (String to : referencedClasses(c.getValue())) {
                String toPackage = packageOf(to);
                if (toPackage != null && !allowed(from, toPackage)) {
                    violations.add(dotted(c.getKey()) + " -> " + dotted(to) + "   (" + from + " may use: "
                            + mayUse.getOrDefault(from, Set.of()) + ")");
                }
            }
        }
        // The names in the sources: imports javac drops (unused ones) point somewhere too.
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String from = SOURCES.resolve("org/jntpd").relativize(f.getParent()).toString().replace('/', '.');
                String code = COMMENT_OR_STRING.matcher(Files.readString(f)).replaceAll(" ");
                Matcher m = SOURCE_NAME.matcher(code);
                while (m.find()) {
                    if (!allowed(from, m.group(1))) {
                        violations.add(SOURCES.relativize(f) + " -> org.jntpd." + m.group(1) + "." + m.group(2)
                                + "   (in the source; " + from + " may use: " + mayUse.getOrDefault(from, Set.of()) + ")");
                    }
                }
            }
        }
        if (!violations.isEmpty()) {
            fail(violations.size() + " uses break docs/DESIGN.md's package table:\n  " + String.join("\n  ", violations));
        }
    }

    @Test
    void shouldDocumentEveryPackageWithWhatItMayUseAndMustNotDo() throws IOException {
        List<String> problems = new ArrayList<>();
        for (String p : mayUse.keySet()) {
            Path info = SOURCES.resolve("org/jntpd").resolve(p.replace('.', '/')).resolve("package-info.java");
            if (!Files.exists(info)) {
                problems.add(p + ": no package-info.java");
            } else if (!Files.readString(info).contains("May use") || !Files.readString(info).contains("Must not")) {
                problems.add(p + ": package-info.java says neither what it may use nor what it must not do");
            }
        }
        if (!problems.isEmpty()) {
            fail(String.join("\n", problems));
        }
    }

    private static boolean allowed(String from, String to) {
        return from.equals(to) || mayUse.getOrDefault(from, Set.of()).contains(to);
    }

    @Test
    void shouldLinkNativeFunctionsOnlyInThePlatformLayer() {
        Set<String> linking = Set.of("java/lang/foreign/Linker", "java/lang/foreign/SymbolLookup",
                "java/lang/foreign/FunctionDescriptor");
        Set<String> violations = new TreeSet<>();
        for (Map.Entry<String, ClassModel> c : classes.entrySet()) {
            if (ffmPackages.contains(packageOf(c.getKey()))) {
                continue;
            }
            for (String to : referencedClasses(c.getValue())) {
                if (linking.contains(to.replaceFirst("\\$.*", ""))) {
                    violations.add(dotted(c.getKey()) + " -> " + dotted(to));
                }
            }
        }
        if (!violations.isEmpty()) {
            fail("FFM linking outside " + ffmPackages + ":\n  " + String.join("\n  ", violations));
        }
    }

    @Test
    void shouldKeepThePurePackagesFreeOfSocketsThreadsAndClockReads() {
        assertTrue(mayUse.keySet().containsAll(purePackages), "pure packages are rows of the table: " + purePackages);
        Set<String> violations = new TreeSet<>();
        for (Map.Entry<String, ClassModel> c : classes.entrySet()) {
            if (!purePackages.contains(packageOf(c.getKey()))) {
                continue;
            }
            for (String to : referencedClasses(c.getValue())) {
                String name = dotted(to);
                for (String f : pureForbidden) {
                    if (name.equals(f) || name.startsWith(f + ".") || name.startsWith(f + "$")) {
                        violations.add(dotted(c.getKey()) + " -> " + name);
                    }
                }
            }
            for (PoolEntry e : c.getValue().constantPool()) {
                if (e instanceof MemberRefEntry r) {
                    String member = dotted(r.owner().asInternalName()) + "." + r.name().stringValue();
                    if (pureForbidden.contains(member)) {
                        violations.add(dotted(c.getKey()) + " -> " + member);
                    }
                }
            }
        }
        if (!violations.isEmpty()) {
            fail("pure packages " + purePackages + " use what only the I/O layers may:\n  "
                    + String.join("\n  ", violations));
        }
    }

    private static String dotted(String internalName) {
        return internalName.replace('/', '.');
    }
}
