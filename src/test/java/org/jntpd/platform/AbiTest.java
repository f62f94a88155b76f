package org.jntpd.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.PaddingLayout;
import java.lang.foreign.StructLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Compares every struct layout and constant of org.jntpd.platform with what native/abi.c prints from the real
 * kernel and libc headers. Struct classes are found by their {@code LAYOUT} field, so a new struct class without a
 * line in abi.c fails here, and so does a line in abi.c without a Java counterpart.
 */
class AbiTest {
    private static final List<Class<?>> CONSTANT_CLASSES = List.of(
            Errno.class, Net.class, Timestamping.class, Clocks.class, Adjtimex.class, Rtc.class, Pps.class, Ptp.class,
            Sys.class, Serial.class, Ipc.class, Bpf.class, Xdp.class, Netlink.class);

    private static Map<String, Long> fromC;

    @BeforeAll
    static void runAbiProgram() throws Exception {
        NativeBuild.assumeGcc();
        Path abi = NativeBuild.compile("abi.c", "abi");
        fromC = new TreeMap<>();
        for (String line : NativeBuild.run(abi).split("\n")) {
            String[] nv = line.trim().split(" ");
            assertEquals(2, nv.length, "abi line: " + line);
            assertTrue(fromC.put(nv[0], Long.parseLong(nv[1])) == null, "duplicate abi line: " + line);
        }
    }

    @Test
    void shouldMatchEveryStructLayoutWithTheHeaders() throws Exception {
        Map<String, Long> java = new TreeMap<>();
        for (Class<?> c : structClasses()) {
            StructLayout layout = (StructLayout) c.getField("LAYOUT").get(null);
            String name = layout.name().orElseThrow(() -> new AssertionError(c + " LAYOUT has no C name"));
            java.put("sizeof." + name, layout.byteSize());
            for (MemoryLayout member : layout.memberLayouts()) {
                if (member instanceof PaddingLayout) {
                    continue;
                }
                String field = member.name().orElseThrow(() -> new AssertionError(c + " has an unnamed member"));
                java.put("offsetof." + name + "." + field,
                        layout.byteOffset(MemoryLayout.PathElement.groupElement(field)));
                java.put("sizeof." + name + "." + field, member.byteSize());
            }
            // sizeof() and the offset constants must agree with the layout they come from.
            assertEquals(layout.byteSize(), (long) c.getMethod("sizeof").invoke(null), c.getSimpleName() + ".sizeof()");
        }
        compare(java, k -> k.startsWith("sizeof.") || k.startsWith("offsetof."), false);
    }

    @Test
    void shouldMatchEveryConstantWithTheHeaders() throws Exception {
        Map<String, Long> java = new TreeMap<>();
        for (Class<?> c : CONSTANT_CLASSES) {
            for (Field f : c.getFields()) {
                int m = f.getModifiers();
                if (!Modifier.isStatic(m) || !Modifier.isFinal(m)) {
                    continue;
                }
                long v = f.getType() == int.class ? f.getInt(null) : f.getLong(null);
                assertTrue(java.put(f.getName(), v) == null, "constant defined twice: " + f);
            }
        }
        compare(java, k -> !k.startsWith("sizeof.") && !k.startsWith("offsetof.") && !k.startsWith("CMSG_"), true);
    }

    @Test
    void shouldComputeControlMessageSizesLikeTheMacros() {
        assertEquals(fromC.get("CMSG_LEN(0)"), Cmsghdr.len(0));
        assertEquals(fromC.get("CMSG_LEN(48)"), Cmsghdr.len(48));
        assertEquals(fromC.get("CMSG_SPACE(16)"), Cmsghdr.space(16));
        assertEquals(fromC.get("CMSG_SPACE(20)"), Cmsghdr.space(20));
        assertEquals(fromC.get("CMSG_SPACE(48)"), Cmsghdr.space(48));
    }

    /** Ints compare as 32-bit patterns (ioctl numbers above 2^31 are negative in Java). */
    private static void compare(Map<String, Long> java, java.util.function.Predicate<String> cKeys, boolean asInt) {
        TreeSet<String> missingInJava = new TreeSet<>();
        for (String k : fromC.keySet()) {
            if (cKeys.test(k) && !java.containsKey(k)) {
                missingInJava.add(k);
            }
        }
        TreeSet<String> missingInC = new TreeSet<>(java.keySet());
        missingInC.removeAll(fromC.keySet());
        List<String> wrong = new ArrayList<>();
        java.forEach((k, v) -> {
            Long c = fromC.get(k);
            if (c != null && !sameValue(c, v, asInt)) {
                wrong.add(k + ": java " + v + " (0x" + Long.toHexString(v) + "), C " + c + " (0x"
                        + Long.toHexString(c) + ")");
            }
        });
        assertTrue(missingInJava.isEmpty() && missingInC.isEmpty() && wrong.isEmpty(),
                "ABI mismatch\n  in abi.c only: " + missingInJava + "\n  in Java only: " + missingInC
                        + "\n  different: " + wrong);
        assertTrue(java.size() > 20, "compared only " + java.size() + " values");
    }

    /** Equal, or (for int constants) the same 32-bit pattern of a C value that fits in 32 bits. */
    private static boolean sameValue(long c, long java, boolean asInt) {
        if (c == java) {
            return true;
        }
        boolean cFits32 = c >= Integer.MIN_VALUE && c <= 0xffff_ffffL;
        return asInt && cFits32 && java == (int) java && (int) c == (int) java;
    }

    private static List<Class<?>> structClasses() throws Exception {
        Path dir = NativeBuild.buildDir().resolve("classes/org/jntpd/platform");
        List<Class<?>> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files.sorted()::iterator) {
                String file = p.getFileName().toString();
                if (!file.endsWith(".class") || file.contains("$")) {
                    continue;
                }
                Class<?> c = Class.forName("org.jntpd.platform." + file.substring(0, file.length() - 6));
                try {
                    if (c.getField("LAYOUT").get(null) instanceof GroupLayout) {
                        out.add(c);
                    }
                } catch (NoSuchFieldException notAStruct) {
                    // constants and helpers
                }
            }
        }
        assertTrue(out.size() >= 25, "found only " + out.size() + " struct classes in " + dir);
        return out;
    }
}
