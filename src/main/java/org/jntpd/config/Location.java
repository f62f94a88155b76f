package org.jntpd.config;

/** Where a configuration item came from, for messages: "file:line". */
public record Location(String file, int line) {
    public static final Location BUILT_IN = new Location("(built-in)", 0);

    @Override
    public String toString() {
        return file + ":" + line;
    }
}
