package org.jntpd.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.jntpd.base.Log;
import org.jntpd.config.Config;
import org.jntpd.config.ConfigException;
import org.jntpd.config.ConfigParser;
import org.jntpd.base.TextFile;
import org.jntpd.daemon.Daemon;
import org.jntpd.daemon.Options;
import org.jntpd.daemon.PidFile;
import org.jntpd.platform.ThreadAffinity;

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
        Daemon.ConfigSource configSource = configSource(options);
        String source = configSource.name();
        try {
            config = configSource.load();
        } catch (ConfigException e) {
            for (String err : e.errors()) {
                System.err.println("jntpd: " + err);
            }
            return 1;
        }
        for (String notice : config.notices()) {
            (options.checkConfig() ? System.out : System.err).println("jntpd: " + notice);
        }
        for (String warning : config.warnings()) {
            (options.checkConfig() ? System.out : System.err).println("jntpd: warning: " + warning);
        }
        if (options.checkConfig()) {
            System.out.println("jntpd: " + source + " is valid (" + config.servers().size() + " server/pool/peer, "
                    + config.refclocks().size() + " refclock, "
                    + (config.broadcast().targets().isEmpty() ? "" : config.broadcast().targets().size() + " broadcast, ")
                    + (config.broadcast().listens() ? "broadcast client, " : "")
                    + config.notices().size() + " not honoured, "
                    + config.warnings().size() + " warning" + (config.warnings().size() == 1 ? ")" : "s)"));
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
        if (config.files().pidFile() != null) {
            try {
                PidFile.write(Path.of(config.files().pidFile()));
            } catch (IOException e) {
                System.err.println("jntpd: cannot write pid file " + config.files().pidFile() + ": " + TextFile.reason(e));
                return 1;
            }
        }
        Log.info("jntpd " + VERSION + " starting with " + source);
        config.warnings().forEach(Log::warn);
        return new Daemon(config, options, configSource).run();
    }

    /** The file -c names, else /etc/jntpd.conf if it exists, else the built-in text; a reload reads the same again. */
    private static Daemon.ConfigSource configSource(Options options) {
        Path file = options.configFile() != null ? options.configFile() : Files.exists(DEFAULT_CONFIG) ? DEFAULT_CONFIG : null;
        return new Daemon.ConfigSource() {
            @Override
            public Config load() throws ConfigException {
                return file != null ? ConfigParser.parse(file, Jntpd::machine)
                        : ConfigParser.parse("(built-in)", builtIn(), null, Jntpd::machine);
            }

            @Override
            public String name() {
                return file != null ? file.toString() : "the built-in configuration";
            }
        };
    }

    /** The CPUs this process may run on, for the check of {@code cpu} lines (unknown when it cannot be read). */
    private static ConfigParser.Machine machine() {
        try {
            return new ConfigParser.Machine(Arrays.stream(ThreadAffinity.currentThreadCpus()).boxed()
                    .collect(Collectors.toUnmodifiableSet()));
        } catch (RuntimeException e) {
            return ConfigParser.Machine.UNKNOWN; // no native access: the start would fail later and say why
        }
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
