package org.jntpd.nts;

/**
 * A client's unused cookies, oldest first, at most 8 (RFC 8915 section 5.7: each cookie is used once). Fixed
 * buffers: adding and taking allocate nothing. Not thread-safe.
 */
public final class CookieJar {
    public static final int CAPACITY = 8;
    public static final int MAX_COOKIE = 1024;

    private final byte[][] cookies = new byte[CAPACITY][MAX_COOKIE];
    private final int[] lengths = new int[CAPACITY];
    private int first;
    private int size;

    /** Adds a cookie (the oldest is dropped when full); false when it is empty or too long. */
    public boolean add(byte[] src, int offset, int length) {
        if (length <= 0 || length > MAX_COOKIE) {
            return false;
        }
        if (size == CAPACITY) {
            first = (first + 1) % CAPACITY;
            size--;
        }
        int slot = (first + size) % CAPACITY;
        System.arraycopy(src, offset, cookies[slot], 0, length);
        lengths[slot] = length;
        size++;
        return true;
    }

    /** Moves the oldest cookie to {@code out[offset]} and returns its length, or -1 when the jar is empty. */
    public int take(byte[] out, int offset) {
        if (size == 0) {
            return -1;
        }
        int length = lengths[first];
        System.arraycopy(cookies[first], 0, out, offset, length);
        java.util.Arrays.fill(cookies[first], 0, length, (byte) 0);
        first = (first + 1) % CAPACITY;
        size--;
        return length;
    }

    public int size() {
        return size;
    }

    /** The length of the cookie {@link #take} gives next, 0 when the jar is empty. */
    public int nextLength() {
        return size == 0 ? 0 : lengths[first];
    }

    public void clear() {
        for (int i = 0; i < CAPACITY; i++) {
            java.util.Arrays.fill(cookies[i], (byte) 0);
        }
        size = 0;
        first = 0;
    }
}
