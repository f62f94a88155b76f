package org.jntpd.netbench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * An SVG of both daemons' clock error over time, one line per run and daemon, written without any third-party tool.
 * The vertical scale is set by the window the metrics cover (after the settle time): larger errors, such as the
 * start, are clipped to the frame, and the caption says so.
 */
final class ErrorPlot {
    private static final int WIDTH = 960;
    private static final int HEIGHT = 440;
    private static final int LEFT = 80;
    private static final int RIGHT = 20;
    private static final int TOP = 48;
    private static final int BOTTOM = 56;
    static final String JNTPD_COLOUR = "#1f77b4";
    static final String CHRONYD_COLOUR = "#d62728";

    /** One daemon's error series of one run: seconds from the start, error in seconds. */
    record Series(String daemon, double[] tS, double[] errorS) {}

    /** A vertical marker (settle time, path change, server step). */
    record Marker(double tS, String label) {}

    private ErrorPlot() {}

    static void write(Path file, String title, String subtitle, double durationS, double settleS, List<Series> series,
            List<Marker> markers) throws IOException {
        Files.writeString(file, svg(title, subtitle, durationS, settleS, series, markers));
    }

    static String svg(String title, String subtitle, double durationS, double settleS, List<Series> series,
            List<Marker> markers) {
        double yMax = scale(series, settleS);
        double plotW = WIDTH - LEFT - RIGHT;
        double plotH = HEIGHT - TOP - BOTTOM;
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n", WIDTH, HEIGHT, WIDTH, HEIGHT));
        b.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\" font-size=\"14\" font-weight=\"bold\">%s</text>%n",
                LEFT, esc(title)));
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"36\" fill=\"#444\">%s</text>%n", LEFT, esc(subtitle)));
        // grid and axes
        double yStep = niceStep(yMax / 2);
        String yUnit = yMax >= 2e-3 ? "ms" : "us";
        double yDiv = yUnit.equals("ms") ? 1e-3 : 1e-6;
        for (double y = -Math.floor(yMax / yStep) * yStep; y <= yMax + 1e-15; y += yStep) {
            double py = TOP + plotH / 2 - y / yMax * plotH / 2;
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>%n",
                    LEFT, WIDTH - RIGHT, py, py, Math.abs(y) < yStep / 2 ? "#888" : "#e4e4e4"));
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", LEFT - 6,
                    py + 4, NetProfile.fmt(Math.round(y / yDiv * 1000) / 1000.0)));
        }
        String tUnit = durationS >= 3 * 3600 ? "h" : durationS >= 600 ? "min" : "s";
        double tDiv = tUnit.equals("h") ? 3600 : tUnit.equals("min") ? 60 : 1;
        double tStep = niceStep(durationS / tDiv / 8) * tDiv;
        for (double t = 0; t <= durationS + 1e-9; t += tStep) {
            double px = LEFT + t / durationS * plotW;
            b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#e4e4e4\"/>%n",
                    px, px, TOP, HEIGHT - BOTTOM));
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", px,
                    HEIGHT - BOTTOM + 16, NetProfile.fmt(t / tDiv)));
        }
        b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" "
                + "stroke=\"#444\"/>%n", LEFT, TOP, plotW, plotH));
        b.append(String.format(Locale.ROOT, "<text x=\"%.0f\" y=\"%d\" text-anchor=\"middle\">time since the clients "
                + "started (%s)</text>%n", LEFT + plotW / 2, HEIGHT - BOTTOM + 34, tUnit));
        b.append(String.format(Locale.ROOT, "<text transform=\"translate(16 %.0f) rotate(-90)\" text-anchor=\"middle\">"
                + "clock error, client minus server (%s)</text>%n", TOP + plotH / 2, yUnit));
        // markers
        List<Marker> all = new ArrayList<>();
        if (settleS > 0) {
            all.add(new Marker(settleS, "settled: metrics from here"));
        }
        all.addAll(markers);
        for (Marker m : all) {
            double px = LEFT + m.tS() / durationS * plotW;
            b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#555\" "
                    + "stroke-dasharray=\"4 3\"/>%n", px, px, TOP, HEIGHT - BOTTOM));
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" fill=\"#555\">%s</text>%n", px + 3, TOP + 12,
                    esc(m.label())));
        }
        // series, clipped to the frame
        b.append(String.format(Locale.ROOT, "<clipPath id=\"frame\"><rect x=\"%d\" y=\"%d\" width=\"%.0f\" "
                + "height=\"%.0f\"/></clipPath>%n", LEFT, TOP, plotW, plotH));
        b.append("<g clip-path=\"url(#frame)\" fill=\"none\" stroke-width=\"1\" stroke-opacity=\"0.75\">\n");
        for (Series s : series) {
            String colour = s.daemon().equals("jntpd") ? JNTPD_COLOUR : CHRONYD_COLOUR;
            b.append("<polyline stroke=\"").append(colour).append("\" points=\"");
            for (double[] p : decimate(s, durationS, (int) plotW)) {
                double px = LEFT + p[0] / durationS * plotW;
                double e = Math.max(-yMax * 1.01, Math.min(yMax * 1.01, p[1]));
                double py = TOP + plotH / 2 - e / yMax * plotH / 2;
                b.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
            }
            b.append("\"/>\n");
        }
        b.append("</g>\n");
        // legend
        int lx = WIDTH - RIGHT - 190;
        b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"180\" height=\"40\" fill=\"white\" "
                + "fill-opacity=\"0.85\" stroke=\"#bbb\"/>%n", lx, HEIGHT - BOTTOM - 48));
        b.append(legend(lx + 8, HEIGHT - BOTTOM - 34, JNTPD_COLOUR, "jntpd"));
        b.append(legend(lx + 8, HEIGHT - BOTTOM - 16, CHRONYD_COLOUR, "chronyd"));
        b.append("</svg>\n");
        return b.toString();
    }

    private static String legend(int x, int y, String colour, String name) {
        return String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"/>"
                + "<text x=\"%d\" y=\"%d\">%s</text>%n", x, x + 24, y, y, colour, x + 30, y + 4, name);
    }

    /** Half the height of the frame: 1.3 x the 99.5th percentile of |error| after settling, over all series. */
    static double scale(List<Series> series, double settleS) {
        List<Double> abs = new ArrayList<>();
        for (Series s : series) {
            for (int i = 0; i < s.tS().length; i++) {
                if (s.tS()[i] > settleS) {
                    abs.add(Math.abs(s.errorS()[i]));
                }
            }
        }
        if (abs.isEmpty()) {
            return 1e-3;
        }
        double[] a = abs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double p = a[(int) Math.min(a.length - 1, Math.round(0.995 * (a.length - 1)))];
        return niceStep(Math.max(p * 1.3, 1e-6));
    }

    /** 1, 2 or 5 times a power of ten, at or above {@code x}. */
    static double niceStep(double x) {
        double p = Math.pow(10, Math.floor(Math.log10(x)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * p >= x * (1 - 1e-9)) {
                return m * p;
            }
        }
        return 10 * p;
    }

    /** At most two points (the lowest and highest error) per pixel column, in time order. */
    static List<double[]> decimate(Series s, double durationS, int columns) {
        List<double[]> out = new ArrayList<>();
        int n = s.tS().length;
        if (n <= 2 * columns) {
            for (int i = 0; i < n; i++) {
                out.add(new double[] {s.tS()[i], s.errorS()[i]});
            }
            return out;
        }
        int i = 0;
        while (i < n) {
            int col = (int) (s.tS()[i] / durationS * columns);
            int lo = i;
            int hi = i;
            int j = i;
            while (j < n && (int) (s.tS()[j] / durationS * columns) == col) {
                if (s.errorS()[j] < s.errorS()[lo]) {
                    lo = j;
                }
                if (s.errorS()[j] > s.errorS()[hi]) {
                    hi = j;
                }
                j++;
            }
            int[] idx = lo <= hi ? new int[] {lo, hi} : new int[] {hi, lo};
            for (int k : Arrays.stream(idx).distinct().toArray()) {
                out.add(new double[] {s.tS()[k], s.errorS()[k]});
            }
            i = j;
        }
        return out;
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
