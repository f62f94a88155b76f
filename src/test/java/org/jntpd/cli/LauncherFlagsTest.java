package org.jntpd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jntpd.platform.JitDirectives;
import org.junit.jupiter.api.Test;

/**
 * bin/jntpd gives the JIT the inlining rules of {@link JitDirectives} as compile commands (so the daemon need not
 * start the platform MBean server): the two lists must stay the same, or the packet path may allocate again.
 */
class LauncherFlagsTest {
    private static String launcher() throws Exception {
        return Files.readString(Path.of(System.getProperty("jntpd.projectDir", ".")).resolve("bin/jntpd"));
    }

    @Test
    void shouldGiveTheJitTheSameInliningRulesAsJitDirectives() throws Exception {
        String script = launcher();
        TreeSet<String> wanted = new TreeSet<>();
        Matcher rule = Pattern.compile("\"([+-])([\\w/$]+)\\.(\\w+)\"").matcher(JitDirectives.DIRECTIVE);
        while (rule.find()) {
            wanted.add((rule.group(1).equals("+") ? "inline," : "dontinline,") + rule.group(2).replace('/', '.') + "::"
                    + rule.group(3));
        }
        assertFalse(wanted.isEmpty(), JitDirectives.DIRECTIVE);

        TreeSet<String> given = new TreeSet<>();
        Matcher command = Pattern.compile("-XX:CompileCommand=((?:dont)?inline,[\\w.$]+::)(\\w+|\\$f)").matcher(script);
        List<String> loop = loopWords(script);
        while (command.find()) {
            if (command.group(2).equals("$f")) {
                loop.forEach(f -> given.add(command.group(1) + f));
            } else {
                given.add(command.group(1) + command.group(2));
            }
        }
        assertEquals(wanted, given, "bin/jntpd's compile commands against JitDirectives.DIRECTIVE");
        assertTrue(script.contains("-XX:CompileCommand=quiet"), "the JVM would print every compile command");
        assertTrue(script.contains("-Djntpd.jit.directives=false"), "no MBean server for what the commands already did");
    }

    /** The words of the launcher's {@code for f in ...; do} loop. */
    private static List<String> loopWords(String script) {
        Matcher m = Pattern.compile("for f in ([\\w ]+); do").matcher(script);
        List<String> words = new ArrayList<>();
        if (m.find()) {
            words.addAll(List.of(m.group(1).trim().split("\\s+")));
        }
        return words;
    }
}
