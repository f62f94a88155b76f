package org.jntpd.netbench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/** The bench's profiles parse, a bad line is named, and its picture is well-formed SVG. */
class NetProfileTest {
    @Test
    void shouldParseEveryShippedProfile() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(Path.of("bench/network"))) {
            files = s.filter(p -> p.toString().endsWith(".profile")).toList();
        }
        assertFalse(files.isEmpty(), "bench/network has profiles");
        for (Path f : files) {
            NetProfile p = NetProfile.read(f);
            assertEquals(f.getFileName().toString().replace(".profile", ""), p.id(), "the id is the file's name");
            assertTrue(p.settle().seconds(p.durationS(true)) < p.durationS(true), f + ": settles before the short run ends");
        }
    }

    @Test
    void shouldReadEveryDirective(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("X.profile");
        Files.writeString(f, """
                id X   # a comment
                describe a test
                duration 100 40
                settle 10
                runs 2
                poll 0 2
                clock 0.5 -3 0.001
                up uniform 1e-4 3e-4
                down const 2e-3
                loss 0.1 0
                path-step 50% 1e-3 0
                server-step 30 -2e-3
                """);
        NetProfile p = NetProfile.read(f);
        assertEquals(40, p.durationS(true));
        assertEquals(10, p.settle().seconds(100));
        assertEquals("iburst minpoll 0 maxpoll 2", p.serverOptions());
        assertEquals("uniform:1.0E-4:3.0E-4", p.up().arg());
        assertEquals(2e-4, p.up().meanS(), 1e-12);
        assertEquals("const:0.002", p.down().arg());
        assertEquals(20, p.pathSteps().getFirst().at().seconds(40));
        assertEquals(-2e-3, p.serverStep().stepS());
        assertEquals(-3, p.clockFreqPpm());
    }

    @Test
    void shouldNameTheFileAndLineOfABadDirective(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("bad.profile");
        Files.writeString(f, "id bad\nduration 10\nup exp 1e-4\n");
        IOException e = assertThrows(IOException.class, () -> NetProfile.read(f));
        assertTrue(e.getMessage().startsWith(f + ":3: up: expected exp D0 J"), e.getMessage());
    }

    @Test
    void shouldDrawWellFormedSvgWithBothDaemons() throws Exception {
        double[] t = {0, 1, 2, 3, 4};
        String svg = ErrorPlot.svg("T", "a < b & c", 4, 1, List.of(
                new ErrorPlot.Series("jntpd", t, new double[] {1e-3, 2e-5, -1e-5, 0, 1e-5}),
                new ErrorPlot.Series("chronyd", t, new double[] {-1e-3, 3e-5, 1e-5, -2e-5, 0})),
                List.of(new ErrorPlot.Marker(2, "step")));
        Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        assertEquals("svg", d.getDocumentElement().getTagName());
        assertEquals(2, d.getElementsByTagName("polyline").getLength());
        assertTrue(svg.contains(ErrorPlot.JNTPD_COLOUR) && svg.contains(ErrorPlot.CHRONYD_COLOUR), svg);
        assertTrue(svg.contains("a &lt; b &amp; c"), "text is escaped");
        // the frame is set by the settled part (max 3e-5 -> 50 us), not by the start (1 ms)
        assertEquals(50e-6, ErrorPlot.scale(List.of(new ErrorPlot.Series("jntpd", t,
                new double[] {1e-3, 2e-5, -1e-5, 0, 3e-5})), 1), 1e-12);
    }
}
