package org.jntpd.config;

import java.util.List;

/** A configuration that cannot be used: every error names file:line and what was expected. */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient List<String> errors;

    public ConfigException(List<String> errors) {
        super(String.join(System.lineSeparator(), errors));
        this.errors = List.copyOf(errors);
    }

    /** The individual errors, each "file:line: message". */
    public List<String> errors() {
        return errors;
    }
}
