package org.jntpd.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jntpd.base.Log;
import org.jntpd.config.Config;
import org.jntpd.config.ConfigException;
import org.jntpd.config.ConfigParser;
import org.jntpd.daemon.Daemon;
import org.jntpd.daemon.Options;

/** Entry point of the daemon (bin/jntpd). */
public final class Jntpd {
    public static final String VERSION = "0.1.0";
    static final Path DEFAULT_CONFIG = Path.of("/etc/jntpd.conf");
    private static final String BUILT_IN = "/org/jntpd/config/default.conf";

    private Jntpd() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (Options.UsageException e) {
            System.err.println("jntpd: " + e.getMessage());
            return 2;
        }
        if (options.help()) {
            System.out.print(Options.USAGE);
            return 0;
        }
        if (options.version()) {
            System.out.println("jntpd " + VERSION);
            return 0;
        }
        if (options.debug()) {
            Log.setThreshold(Log.Level.DEBUG);
        }
        Config config;
        String source;
        try {
            if (options.configFile() != null) {
                source = options.configFile().toString();
                config = ConfigParser.parse(options.configFile());
            } else if (Files.exists(DEFAULT_CONFIG)) {
                source = DEFAULT_CONFIG.toString();
                config = ConfigParser.parse(DEFAULT_CONFIG);
            } else {
                source = "the built-in configuration";
                config = ConfigParser.parse("(built-in)", builtIn(), null);
            }
        } catch (ConfigException e) {
            for (String err : e.errors()) {
                System.err.println("jntpd: " + err);
            }
            return 1;
        }
        for (String notice : config.notices()) {
            (options.checkConfig() ? System.out : System.err).println("jntpd: " + notice);
        }
        if (options.checkConfig()) {
            System.out.println("jntpd: " + source + " is valid (" + config.servers().size() + " server/pool/peer, "
                    + config.refclocks().size() + " refclock, " + config.notices().size() + " not honoured)");
            return 0;
        }
        if (config.files().logFile() != null) {
            try {
                Log.setFile(config.files().logFile());
            } catch (java.io.IOException e) {
                System.err.println("jntpd: cannot open log file " + config.files().logFile() + ": " + e.getMessage());
                return 1;
            }
        }
        Log.info("jntpd " + VERSION + " starting with " + source);
        return new Daemon(config, options).run();
    }

    static String builtIn() {
        try (InputStream in = Jntpd.class.getResourceAsStream(BUILT_IN)) {
            if (in == null) {
                throw new IllegalStateException("the jar lacks " + BUILT_IN);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + BUILT_IN, e);
        }
    }
}
