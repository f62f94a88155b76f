package org.jntpd.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The hand-written checks of host words in {@link Directives} answer as the regular expressions they replace. */
class DirectivesTest {
    private static final Pattern HOST_PORT = Pattern.compile("([^:\\[\\]]+|\\[[^\\]]+\\]):([0-9]+)");
    private static final Pattern HOST_NAME =
            Pattern.compile("[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\\.?");
    private static final String ALPHABET = "aZ09_.-:[]%@ \u00e9";

    @Test
    void shouldAnswerAsTheRegularExpressionsTheyReplace() {
        SplittableRandom random = new SplittableRandom(14);
        for (int n = 0; n < 200_000; n++) {
            StringBuilder b = new StringBuilder();
            int length = random.nextInt(18);
            for (int i = 0; i < length; i++) {
                b.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
            }
            check(b.toString());
        }
        for (String s : new String[] {"", ".", "a.", "a..", ".a", "-a", "a-", "a-b", "_", "a.b.c.", "ntp.example.org:4460",
                "[::1]:4460", "[::1]", "[]:1", "[a]b]:1", "1.2.3.4:123", "host:", ":123", "a:b:1", "%eth0", "%", "%a.b-c"}) {
            check(s);
        }
    }

    private static void check(String s) {
        Matcher m = HOST_PORT.matcher(s);
        String[] hostPort = Directives.hostPort(s);
        if (m.matches()) {
            assertArrayEquals(new String[] {m.group(1), m.group(2)}, hostPort, s);
        } else {
            assertEquals(null, hostPort, s);
        }
        assertEquals(HOST_NAME.matcher(s).matches(), Directives.hostName(s), s);
        assertEquals(s.matches("[0-9.]+"), Directives.allIn(s, "0123456789."), s);
        assertEquals(s.matches("%[A-Za-z0-9_.-]+"), Directives.isZone(s), s);
        assertEquals(s.matches("[A-Za-z0-9_.:@-]{1,15}"), Directives.isInterfaceName(s), s);
    }
}
