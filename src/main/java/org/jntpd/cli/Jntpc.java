package org.jntpd.cli;

import java.util.Arrays;
import org.jntpd.perf.PerfCommand;

/** Entry point of the control and query tool (bin/jntpc): {@code jntpc COMMAND [options]}. */
public final class Jntpc {
    static final String USAGE = """
            usage: jntpc COMMAND [options]
            commands:
              perf HOST[:PORT]   open-loop load generator for an NTP server (jntpc perf --help)
            """;

    private Jntpc() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help") || args[0].equals("help")) {
            System.out.print(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        return switch (args[0]) {
            case "perf" -> PerfCommand.main(rest, System.out, System.err);
            default -> {
                System.err.println("jntpc: unknown command " + args[0] + " (expected one of: perf)");
                yield 2;
            }
        };
    }
}
