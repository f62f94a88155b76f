package org.jntpd.daemon;

import java.nio.file.Path;

/**
 * The daemon's command line, as ntpd and chronyd users expect it:
 * {@code jntpd [-c FILE] [-u USER] [-n|-d] [-x] [-q|-Q] [-s] [--check-config] [--help] [--version]}.
 */
public record Options(Path configFile, String user, boolean foreground, boolean debug, boolean noClockControl, boolean setOnceAndExit,
        boolean printOffsetAndExit, boolean setFromRtc, boolean checkConfig, boolean help, boolean version) {

    public static final String USAGE = """
            Usage: jntpd [-c FILE] [-u USER] [-n|-d] [-x] [-q|-Q] [-s] [--check-config] [--help] [--version]
              -c FILE          configuration file (default /etc/jntpd.conf, else the built-in configuration)
              -u USER          after binding its sockets, run as USER keeping only CAP_SYS_TIME (and CAP_NET_BIND_SERVICE)
              -n               stay in the foreground (jntpd always does; systemd runs it this way)
              -d               foreground with debug logging
              -x               never touch the clock: measure and serve only
              -q               set the clock once (step or slew as configured) and exit
              -Q               print the measured offset and exit, touching nothing
              -s               set the clock from the RTC at start when no better source is at hand
              --check-config   validate the configuration, print what is not honoured, exit non-zero on any error
              --help, --version
            """;

    /** Thrown for a bad command line; the message says what was expected. */
    public static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    public static Options parse(String[] args) throws UsageException {
        Path config = null;
        String user = null;
        boolean fg = false;
        boolean debug = false;
        boolean x = false;
        boolean q = false;
        boolean bigQ = false;
        boolean s = false;
        boolean check = false;
        boolean help = false;
        boolean version = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-c" -> {
                    if (i + 1 >= args.length) {
                        throw new UsageException("-c needs a configuration file");
                    }
                    config = Path.of(args[++i]);
                }
                case "-u" -> {
                    if (i + 1 >= args.length) {
                        throw new UsageException("-u needs a user name");
                    }
                    user = args[++i];
                }
                case "-n" -> fg = true;
                case "-d" -> { fg = true; debug = true; }
                case "-x" -> x = true;
                case "-q" -> q = true;
                case "-Q" -> bigQ = true;
                case "-s" -> s = true;
                case "--check-config" -> check = true;
                case "-h", "--help" -> help = true;
                case "-v", "--version" -> version = true;
                default -> throw new UsageException("unknown option '" + args[i] + "' (see jntpd --help)");
            }
        }
        if (q && bigQ) {
            throw new UsageException("-q and -Q exclude each other");
        }
        return new Options(config, user, fg, debug, x, q, bigQ, s, check, help, version);
    }
}
