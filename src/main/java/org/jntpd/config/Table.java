package org.jntpd.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A table of words of the configuration language (linuxptp's config table is the model): the directives, or the
 * options of one directive. Each {@link Entry} names the word and its other spellings (NTPsec's and chrony's where
 * they differ), how its arguments read ({@link Syntax}; kinds and limits in {@link Arg}) and whether jntpd honours it
 * (what is not honoured is listed by --check-config, with why); where the values go is the table's {@link Actions}.
 *
 * @param <S> what the values are written into
 */
final class Table<S> {
    /** Whose users know a word by this spelling. */
    enum Dialect { NTPSEC, CHRONY, BOTH, JNTPD }

    record Spelling(String word, Dialect dialect) {}

    /**
     * One word.
     *
     * @param aliases    other spellings of the same word
     * @param unhonoured null when jntpd acts on the word; otherwise why it does not ("" when there is nothing to add)
     * @param listed     whether messages list the word among those expected (not a word kept only to explain itself)
     */
    record Entry<S>(String name, Dialect dialect, List<Spelling> aliases, Syntax<S> syntax, String unhonoured,
            boolean listed) {
        boolean honoured() {
            return unhonoured == null;
        }
    }

    /**
     * How a word's arguments read. Where their values go is the table's {@link Actions}: one switch for the whole
     * table rather than a lambda per word, since the JVM spins a class for each lambda the first time it runs, and
     * the start ran every one of the tables' ~190 (bench/README.md, "PPS in the guest": 90 ms here, seconds under
     * the guest's emulation, before the first poll).
     */
    sealed interface Syntax<S> {
        /** Reads the arguments of {@code what} (the word as written) from the line: the value for the action. */
        Object read(ConfigParser.Line l, String what);
    }

    /** No argument; the action gets null. */
    record Flag<S>() implements Syntax<S> {
        @Override
        public Object read(ConfigParser.Line l, String what) {
            return null;
        }
    }

    /** One argument; the action gets its value. */
    record One<S, T>(Arg<T> arg) implements Syntax<S> {
        @Override
        public Object read(ConfigParser.Line l, String what) {
            return arg.read(l, what);
        }
    }

    /** Two arguments, both required; the action gets a {@link Pair}. */
    record Two<S, A, B>(Arg<A> first, Arg<B> second) implements Syntax<S> {
        @Override
        public Object read(ConfigParser.Line l, String what) {
            A a = first.read(l, what);
            return new Pair(a, second.read(l, what));
        }
    }

    /** The values of a {@link Two}. */
    record Pair(Object first, Object second) {}

    /**
     * Keyword options ({@code tos minsane 2 maxdist 3}): the action reads them into an accumulator opened from the
     * target and closes it into the target at the end of the line, where options are checked against each other: a
     * line with an error changes nothing.
     */
    record Options<S, O>(Table<O> options, boolean atLeastOne) implements Syntax<S> {
        @Override
        public Object read(ConfigParser.Line l, String what) {
            if (atLeastOne && !l.hasNext()) {
                throw new ConfigParser.LineError("expected at least one of " + options.names() + " after '" + what + "'");
            }
            return null;
        }
    }

    /** A grammar of its own (server, refclock, restrict ...): the action reads the rest of the line; its options, if any. */
    record Grammar<S>(Table<?> options) implements Syntax<S> {
        @Override
        public Object read(ConfigParser.Line l, String what) {
            return null;
        }
    }

    /** Accepted for compatibility; the rest of the line is not read and there is no action. */
    record Skip<S>() implements Syntax<S> {
        @Override
        public Object read(ConfigParser.Line l, String what) {
            l.skipRest();
            return null;
        }
    }

    /** Where the values of a table's words go. */
    interface Actions<S> {
        /**
         * Acts on one word of the table (not a {@link Skip}).
         *
         * @param name  the entry's name, whichever spelling the line used
         * @param value what its syntax read: null (a flag, options, a grammar), the argument's value, or a {@link Pair}
         * @param l     the line, at the word's options or the rest of its grammar
         * @param what  the word as written (lower case), for messages
         * @throws IllegalStateException for a name the table does not have (a test calls every entry)
         */
        void apply(S target, String name, Object value, ConfigParser.Line l, String what);
    }

    /** The error for a name an {@link Actions} switch does not know: the table and its actions disagree. */
    static IllegalStateException noAction(String name) {
        return new IllegalStateException("no action for '" + name + "'");
    }

    private final List<Entry<S>> entries;
    private final Actions<? super S> actions;
    private final Map<String, Entry<S>> byWord = new LinkedHashMap<>();
    private String names;

    private Table(List<Entry<S>> entries, Actions<? super S> actions) {
        this.entries = List.copyOf(entries);
        this.actions = actions;
        for (Entry<S> e : entries) {
            List<String> words = new ArrayList<>();
            words.add(e.name());
            for (Spelling a : e.aliases()) {
                words.add(a.word());
            }
            for (String w : words) {
                if (byWord.put(w, e) != null) {
                    throw new IllegalStateException("'" + w + "' is in the table twice");
                }
            }
        }
    }

    List<Entry<S>> entries() {
        return entries;
    }

    /** The entry for {@code word} (any spelling, any case), or null. */
    Entry<S> find(String word) {
        return byWord.get(word.toLowerCase(Locale.ROOT));
    }

    /**
     * The words and their arguments, for messages: "minpoll N, iburst, maxdelay S or ca PATH". Built once (a racing
     * second build gives the same string): an error path asks for it on every refused line, a stream each time.
     */
    String names() {
        String n = names;
        if (n == null) {
            List<String> words = entries.stream().filter(Entry::listed).map(e -> switch (e.syntax()) {
                case One<S, ?> one -> e.name() + " " + one.arg().placeholder();
                case Two<S, ?, ?> two -> e.name() + " " + two.first().placeholder() + " " + two.second().placeholder();
                default -> e.name();
            }).toList();
            n = words.size() < 2 ? String.join("", words)
                    : String.join(", ", words.subList(0, words.size() - 1)) + " or " + words.getLast();
            names = n;
        }
        return n;
    }

    /**
     * Reads options up to the end of the line; an unknown word is an error naming those of {@code owner}.
     *
     * @return {@code target}
     */
    <T extends S> T readOptions(ConfigParser.Line l, T target, String owner) {
        while (l.hasNext()) {
            String word = l.next("an option").toLowerCase(Locale.ROOT);
            Entry<S> e = find(word);
            if (e == null) {
                throw new ConfigParser.LineError("unknown option '" + ConfigParser.printable(word) + "' for " + owner
                        + " (expected " + names() + ")");
            }
            read(e, word, owner + " " + word, l, target);
        }
        return target;
    }

    /**
     * Reads one word's arguments into {@code target}, and notes it on the line when it is not honoured.
     *
     * @param word  the word as written (lower case), for messages about its arguments
     * @param label what a notice calls it ("tos ceiling")
     */
    void read(Entry<S> e, String word, String label, ConfigParser.Line l, S target) {
        Object value = e.syntax().read(l, word);
        if (!(e.syntax() instanceof Skip<?>)) {
            actions.apply(target, e.name(), value, l, word);
        }
        if (!e.honoured()) {
            l.notHonoured(label, e.unhonoured());
        }
    }

    /**
     * Builds a table one word a line, {@code .one("port", CHRONY, PORT)}, whose values go where {@code actions} says
     * ({@code case "port" -> b.port = (int) v}).
     */
    static final class Builder<S> {
        private final List<Entry<S>> entries = new ArrayList<>();
        private final Actions<? super S> actions;

        Builder(Actions<? super S> actions) {
            this.actions = actions;
        }

        Builder<S> add(String name, Dialect dialect, Syntax<S> syntax) {
            entries.add(new Entry<>(name, dialect, List.of(), syntax, null, true));
            return this;
        }

        Builder<S> flag(String name, Dialect dialect) {
            return add(name, dialect, new Flag<>());
        }

        <T> Builder<S> one(String name, Dialect dialect, Arg<T> arg) {
            return add(name, dialect, new One<>(arg));
        }

        <A, B> Builder<S> two(String name, Dialect dialect, Arg<A> first, Arg<B> second) {
            return add(name, dialect, new Two<>(first, second));
        }

        /** Keyword options, at least one. */
        <O> Builder<S> options(String name, Dialect dialect, Table<O> options) {
            return add(name, dialect, new Options<>(options, true));
        }

        /** Keyword options, none required. */
        <O> Builder<S> optionalOptions(String name, Dialect dialect, Table<O> options) {
            return add(name, dialect, new Options<>(options, false));
        }

        Builder<S> grammar(String name, Dialect dialect, Table<?> options) {
            return add(name, dialect, new Grammar<>(options));
        }

        Builder<S> skip(String name, Dialect dialect) {
            return add(name, dialect, new Skip<>()).notHonoured("");
        }

        /** Other spellings of the word added last. */
        Builder<S> alias(Dialect dialect, String... words) {
            Entry<S> e = entries.removeLast();
            List<Spelling> a = new ArrayList<>(e.aliases());
            for (String w : words) {
                a.add(new Spelling(w, dialect));
            }
            entries.add(new Entry<>(e.name(), e.dialect(), List.copyOf(a), e.syntax(), e.unhonoured(), e.listed()));
            return this;
        }

        /** The word added last is accepted but not acted on, for this reason ("" when there is nothing to add). */
        Builder<S> notHonoured(String why) {
            Entry<S> e = entries.removeLast();
            entries.add(new Entry<>(e.name(), e.dialect(), e.aliases(), e.syntax(), why, e.listed()));
            return this;
        }

        /** The word added last is left out of the lists of expected words (it exists only to explain a mistake). */
        Builder<S> unlisted() {
            Entry<S> e = entries.removeLast();
            entries.add(new Entry<>(e.name(), e.dialect(), e.aliases(), e.syntax(), e.unhonoured(), false));
            return this;
        }

        Table<S> build() {
            return new Table<>(entries, actions);
        }
    }
}
