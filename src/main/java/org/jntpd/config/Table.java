package org.jntpd.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A table of words of the configuration language (linuxptp's config table is the model): the directives, or the
 * options of one directive. Each {@link Entry} names the word and its other spellings (NTPsec's and chrony's where
 * they differ), how its arguments read ({@link Syntax}; kinds and limits in {@link Arg}), where the value goes, and
 * whether jntpd honours it (what is not honoured is listed by --check-config, with why).
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

    /** How a word's arguments read and where their values go. */
    sealed interface Syntax<S> {
        /** Reads the arguments of {@code what} (the word as written) from the line into {@code target}. */
        void read(ConfigParser.Line l, String what, S target);
    }

    /** No argument. */
    record Flag<S>(Consumer<S> to) implements Syntax<S> {
        @Override
        public void read(ConfigParser.Line l, String what, S target) {
            to.accept(target);
        }
    }

    /** One argument. */
    record One<S, T>(Arg<T> arg, BiConsumer<S, T> to) implements Syntax<S> {
        @Override
        public void read(ConfigParser.Line l, String what, S target) {
            to.accept(target, arg.read(l, what));
        }
    }

    /** Two arguments, both required. */
    record Two<S, A, B>(Arg<A> first, Arg<B> second, TwoValues<S, A, B> to) implements Syntax<S> {
        @Override
        public void read(ConfigParser.Line l, String what, S target) {
            A a = first.read(l, what);
            to.accept(target, a, second.read(l, what));
        }
    }

    interface TwoValues<S, A, B> {
        void accept(S target, A a, B b);
    }

    /**
     * Keyword options ({@code tos minsane 2 maxdist 3}) read into an accumulator {@code O} opened from the target and
     * closed into it at the end of the line, where options are checked against each other: a line with an error
     * changes nothing.
     */
    record Options<S, O>(Function<S, O> open, Table<O> options, BiConsumer<S, O> close, boolean atLeastOne)
            implements Syntax<S> {
        @Override
        public void read(ConfigParser.Line l, String what, S target) {
            if (atLeastOne && !l.hasNext()) {
                throw new ConfigParser.LineError("expected at least one of " + options.names() + " after '" + what + "'");
            }
            O o = open.apply(target);
            options.readOptions(l, o, what);
            close.accept(target, o);
        }
    }

    /** A grammar of its own (server, refclock, restrict ...), reading the rest of the line; its options, if any. */
    record Grammar<S>(GrammarReader<S> reader, Table<?> options) implements Syntax<S> {
        @Override
        public void read(ConfigParser.Line l, String what, S target) {
            reader.read(target, l, what);
        }
    }

    interface GrammarReader<S> {
        void read(S target, ConfigParser.Line l, String what);
    }

    /** Accepted for compatibility; the rest of the line is not read. */
    record Skip<S>() implements Syntax<S> {
        @Override
        public void read(ConfigParser.Line l, String what, S target) {
            l.skipRest();
        }
    }

    private final List<Entry<S>> entries;
    private final Map<String, Entry<S>> byWord = new LinkedHashMap<>();
    private String names;

    private Table(List<Entry<S>> entries) {
        this.entries = List.copyOf(entries);
        for (Entry<S> e : entries) {
            List<String> words = new ArrayList<>();
            words.add(e.name());
            e.aliases().forEach(a -> words.add(a.word()));
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

    /** Reads options up to the end of the line; an unknown word is an error naming those of {@code owner}. */
    void readOptions(ConfigParser.Line l, S target, String owner) {
        while (l.hasNext()) {
            String word = l.next("an option").toLowerCase(Locale.ROOT);
            Entry<S> e = find(word);
            if (e == null) {
                throw new ConfigParser.LineError("unknown option '" + ConfigParser.printable(word) + "' for " + owner
                        + " (expected " + names() + ")");
            }
            read(e, word, owner + " " + word, l, target);
        }
    }

    /**
     * Reads one word's arguments into {@code target}, and notes it on the line when it is not honoured.
     *
     * @param word  the word as written (lower case), for messages about its arguments
     * @param label what a notice calls it ("tos ceiling")
     */
    void read(Entry<S> e, String word, String label, ConfigParser.Line l, S target) {
        e.syntax().read(l, word, target);
        if (!e.honoured()) {
            l.notHonoured(label, e.unhonoured());
        }
    }

    /** Builds a table one word a line: {@code .one("port", CHRONY, PORT, (b, v) -> b.port = v)}. */
    static final class Builder<S> {
        private final List<Entry<S>> entries = new ArrayList<>();

        Builder<S> add(String name, Dialect dialect, Syntax<S> syntax) {
            entries.add(new Entry<>(name, dialect, List.of(), syntax, null, true));
            return this;
        }

        Builder<S> flag(String name, Dialect dialect, Consumer<S> to) {
            return add(name, dialect, new Flag<>(to));
        }

        <T> Builder<S> one(String name, Dialect dialect, Arg<T> arg, BiConsumer<S, T> to) {
            return add(name, dialect, new One<>(arg, to));
        }

        <A, B> Builder<S> two(String name, Dialect dialect, Arg<A> first, Arg<B> second, TwoValues<S, A, B> to) {
            return add(name, dialect, new Two<>(first, second, to));
        }

        /** Keyword options, at least one. */
        <O> Builder<S> options(String name, Dialect dialect, Function<S, O> open, Table<O> options,
                BiConsumer<S, O> close) {
            return add(name, dialect, new Options<>(open, options, close, true));
        }

        /** Keyword options, none required. */
        <O> Builder<S> optionalOptions(String name, Dialect dialect, Function<S, O> open, Table<O> options,
                BiConsumer<S, O> close) {
            return add(name, dialect, new Options<>(open, options, close, false));
        }

        Builder<S> grammar(String name, Dialect dialect, GrammarReader<S> reader, Table<?> options) {
            return add(name, dialect, new Grammar<>(reader, options));
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
            return new Table<>(entries);
        }
    }
}
