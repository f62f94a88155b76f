package org.jntpd.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void shouldWriteOneLineThatReadsBackToTheSameValues() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "a \"quoted\" line\nand a tab\t, a backslash \\ and \u0001, é, 😀");
        m.put("i", -42L);
        m.put("big", Long.MAX_VALUE);
        m.put("d", 1.25e-9);
        m.put("whole", 3.0);
        m.put("nan", Double.NaN);
        m.put("b", true);
        m.put("n", null);
        m.put("l", Arrays.asList(1L, "x", null, List.of(), Map.of()));
        String text = Json.write(m);
        assertEquals(-1, text.indexOf('\n'), text);
        assertEquals("{\"s\":\"a \\\"quoted\\\" line\\nand a tab\\t, a backslash \\\\ and \\u0001, é, 😀\",\"i\":-42,"
                + "\"big\":9223372036854775807,\"d\":1.25e-9,\"whole\":3.0,\"nan\":null,\"b\":true,\"n\":null,"
                + "\"l\":[1,\"x\",null,[],{}]}", text);
        Map<String, Object> back = new LinkedHashMap<>(m);
        back.put("nan", null); // JSON has no NaN
        assertEquals(back, Json.parse(text));
    }

    @Test
    void shouldReadNumbersEscapesAndWhiteSpaceAsRfc8259Says() {
        assertEquals(List.of(0L, -0.5, 1e3, 12L, "\u00e9/\b"), Json.parse(" [0, -0.5, 1E3 ,12, \"\\u00E9\\/\\b\"]\r\n"));
        assertEquals(1.0e20, Json.parse("100000000000000000000"), "beyond a long: a double");
    }

    @Test
    void shouldRefuseWhatIsNotJson() {
        for (String bad : List.of("", "{", "[1,]", "{\"a\" 1}", "{\"a\":1,}", "01", "1.", "-", "1e", "\"\\x\"", "\"\\u12\"",
                "tru", "nul", "\"a\nb\"", "{} {}", "[" + "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH + 1) + "]",
                "{1:2}", "\"unterminated")) {
            assertThrows(Json.ParseException.class, () -> Json.parse(bad), bad);
        }
    }
}
