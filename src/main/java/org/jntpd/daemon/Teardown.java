package org.jntpd.daemon;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The daemon's modules down in the reverse of the order they came up (chrony's main.c): each module, once up, adds
 * the step that takes it down. Every step runs even when an earlier one fails; the first failure is rethrown after.
 */
final class Teardown {
    private final Deque<Runnable> steps = new ArrayDeque<>();

    /** The step that takes down the module just brought up. */
    synchronized void add(Runnable step) {
        steps.push(step);
    }

    /** Runs the steps, the last added first, each once. */
    synchronized void run() {
        RuntimeException first = null;
        while (!steps.isEmpty()) {
            try {
                steps.pop().run();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
