package org.jntpd.control;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.jntpd.base.Log;

/**
 * The control protocol without its socket (docs/CONTROL.md): where a request's command line ends in the bytes a
 * client sent ({@link #commandIn}), and the reply to that line ({@link #answer}): one JSON object and a line break, an
 * error reply naming the command for anything that is not a request it can serve. {@link ControlServer} reads and
 * writes the socket around it; ControlDispatcherFuzzTest fuzzes it directly, without a connection per run. Pure but
 * for what the commands read (published snapshots) and the modifying commands they queue.
 */
final class ControlDispatcher {
    private final ControlCommands commands;

    ControlDispatcher(ControlCommands commands) {
        this.commands = commands;
    }

    /**
     * The command line in the first {@code length} bytes of {@code a} once complete: up to a newline, or all of them
     * when the buffer is {@code full} or the client's input {@code ended}; trimmed. Null: more is to come.
     */
    static String commandIn(byte[] a, int length, boolean full, boolean ended) {
        for (int i = 0; i < length; i++) {
            if (a[i] == '\n') {
                return new String(a, 0, i, StandardCharsets.UTF_8).trim();
            }
        }
        return ended || full ? new String(a, 0, length, StandardCharsets.UTF_8).trim() : null;
    }

    /**
     * The reply to one request line: {@code COMMAND [ARG...]} in words, or a JSON object
     * {@code {"command": "...", "args": ["..."]}}; one JSON object and a line break, an error reply for anything else.
     * A modifying command is refused when {@code refusal} says why ({@link PeerCredentials}; null: allowed).
     */
    String answer(String line, Supplier<String> refusal) {
        String name = null;
        try {
            List<String> words = words(line);
            name = words.getFirst();
            ControlCommands.Command c = commands.get(name);
            if (c == null) {
                throw new IllegalArgumentException("unknown command '" + name + "' (try help)");
            }
            String refused = c.privileged() ? refusal.get() : null;
            if (refused != null) {
                Log.notice("control: " + name + " refused: " + refused);
                throw new IllegalArgumentException(refused);
            }
            Map<String, Object> fields = c.handler().run(words.subList(1, words.size()));
            Map<String, Object> reply = envelope(name, true);
            reply.putAll(fields);
            return Json.write(reply) + "\n";
        } catch (IllegalArgumentException e) {
            Map<String, Object> reply = envelope(name, false);
            reply.put("error", e.getMessage());
            return Json.write(reply) + "\n";
        } catch (RuntimeException e) { // a bug in a command must not take the control socket down
            Log.warn("control command " + name + " failed: " + e);
            Map<String, Object> reply = envelope(name, false);
            reply.put("error", "internal error: " + e);
            return Json.write(reply) + "\n";
        }
    }

    private static Map<String, Object> envelope(String command, boolean ok) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", ControlCommands.PROTOCOL_VERSION);
        m.put("command", command);
        m.put("ok", ok);
        return m;
    }

    /** The request's command and arguments (at least the command), or {@link IllegalArgumentException} saying why not. */
    static List<String> words(String line) {
        if (line.isEmpty()) {
            throw new IllegalArgumentException("empty request (try help)");
        }
        if (line.charAt(0) != '{' && line.charAt(0) != '[') { // words; JSON starts with one of these
            return splitWords(line);
        }
        Object v;
        try {
            v = Json.parse(line);
        } catch (Json.ParseException e) {
            throw new IllegalArgumentException("malformed request: " + e.getMessage());
        }
        if (!(v instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException("malformed request: not a JSON object");
        }
        List<String> out = new ArrayList<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            switch ((String) e.getKey()) {
                case "command" -> {
                    if (!(e.getValue() instanceof String s) || s.isEmpty()) {
                        throw new IllegalArgumentException("malformed request: \"command\" must be a non-empty string");
                    }
                }
                case "args" -> {
                    if (!(e.getValue() instanceof List<?> l) || !allStrings(l)) {
                        throw new IllegalArgumentException("malformed request: \"args\" must be an array of strings");
                    }
                }
                case "version" -> {
                    if (!(e.getValue() instanceof Long n) || n < 1 || n > ControlCommands.PROTOCOL_VERSION) {
                        throw new IllegalArgumentException("protocol version " + e.getValue() + " not supported (this "
                                + "daemon speaks " + ControlCommands.PROTOCOL_VERSION + ")");
                    }
                }
                default -> throw new IllegalArgumentException("malformed request: unknown member \"" + e.getKey() + "\"");
            }
        }
        if (!(m.get("command") instanceof String command)) {
            throw new IllegalArgumentException("malformed request: no \"command\"");
        }
        out.add(command);
        if (m.get("args") instanceof List<?> args) {
            for (Object a : args) {
                out.add((String) a);
            }
        }
        return out;
    }

    private static boolean allStrings(List<?> l) {
        for (Object o : l) {
            if (!(o instanceof String)) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@code line.split("[ \t]+")} by hand (ControlDispatcherTest keeps them equal): a regex per request is cheap in
     * the daemon but under Jazzer's regex hooks it cost more than the rest of a fuzzing run.
     */
    static List<String> splitWords(String line) {
        List<String> words = new ArrayList<>();
        int n = line.length();
        int start = 0;
        for (int i = 0; i < n; i++) {
            char c = line.charAt(i);
            if (c == ' ' || c == '\t') {
                words.add(line.substring(start, i));
                while (i + 1 < n && (line.charAt(i + 1) == ' ' || line.charAt(i + 1) == '\t')) {
                    i++;
                }
                start = i + 1;
            }
        }
        words.add(line.substring(start));
        int size = words.size();
        while (size > 0 && words.get(size - 1).isEmpty()) { // split drops trailing empty strings
            size--;
        }
        return words.size() == 1 ? List.of(line) : List.copyOf(words.subList(0, size));
    }
}
