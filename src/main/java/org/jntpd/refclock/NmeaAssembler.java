package org.jntpd.refclock;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Cuts the byte stream of a serial GPS receiver, arriving in chunks of any size, into NMEA 0183 sentences
 * ({@code $....*hh} ended by CR and/or LF), verifies each checksum and hands complete sentences to a {@link Listener}
 * with the local times of their first byte and of their end (the first CR or LF).
 *
 * <p>Byte times: a chunk is stamped with the system clock when {@code read()} returned it. With the line speed known,
 * byte i of an n-byte chunk is taken to have arrived {@code (n - 1 - i)} character times (10 bits each, 8N1) before
 * that stamp; without it every byte of the chunk gets the stamp. That assumes the bytes of a chunk came back to back,
 * as they do while the reader waits in {@code read()} (VMIN 1): a chunk read late, across an idle gap of the line,
 * gets its earlier bytes stamped too late. ntpd times a sentence by its end of line, so the
 * NMEA driver's {@code time2} (the delay of the end after the second the sentence labels) means the same here.
 *
 * <p>No allocation per byte or per sentence: the sentence buffer is reused, so a listener must copy what it keeps.
 * Sentences without a checksum are refused (counted): every receiver in use sends one, and RMC always needed one.
 */
public final class NmeaAssembler {
    /** NMEA 0183 allows 82 characters including $ and CR LF; some receivers send longer proprietary ones. */
    public static final int MAX_SENTENCE = 128;

    /** Receives each sentence that passed its checksum. */
    public interface Listener {
        /**
         * @param sentence    {@code $} up to and including the two checksum digits (no CR/LF); valid only during the call
         * @param length      bytes of it
         * @param firstByteNs system clock when the {@code $} arrived
         * @param endNs       system clock when the terminating CR or LF arrived
         * @param nowNs       system clock when the chunk holding the end was read
         */
        void onSentence(byte[] sentence, int length, long firstByteNs, long endNs, long nowNs);
    }

    private final Listener listener;
    private final long characterNs;
    private final byte[] buf = new byte[MAX_SENTENCE];
    private int length = -1; // -1: between sentences
    private long firstByteNs;

    private long sentences;
    private long badChecksums;
    private long missingChecksums;
    private long discarded;
    private long noiseBytes;

    /**
     * @param baud     line speed in bit/s; 0 = unknown (all bytes of a chunk get its read time)
     * @param listener gets the verified sentences
     */
    public NmeaAssembler(int baud, Listener listener) {
        this.listener = listener;
        this.characterNs = baud > 0 ? 10_000_000_000L / baud : 0;
    }

    /** Time one character takes on the line (10 bits), ns; 0 when the speed is unknown. */
    public long characterNs() {
        return characterNs;
    }

    /**
     * Feeds one chunk as read from the port.
     *
     * @param data       buffer (heap or native)
     * @param offset     first byte of the chunk in it
     * @param count      bytes in the chunk
     * @param readTimeNs system clock when the read returned
     */
    public void accept(MemorySegment data, long offset, int count, long readTimeNs) {
        for (int i = 0; i < count; i++) {
            byte b = data.get(ValueLayout.JAVA_BYTE, offset + i);
            long t = readTimeNs - (count - 1 - i) * characterNs;
            if (b == '$') {
                if (length > 0) {
                    discarded++; // a new sentence began before the previous one ended
                }
                buf[0] = b;
                length = 1;
                firstByteNs = t;
            } else if (b == '\r' || b == '\n') {
                if (length > 0) {
                    complete(t, readTimeNs);
                }
                length = -1;
            } else if (length < 0) {
                noiseBytes++;
            } else if (b < 0x20 || b > 0x7e || length == MAX_SENTENCE) {
                discarded++; // line noise inside a sentence, or no end in sight
                length = -1;
            } else {
                buf[length++] = b;
            }
        }
    }

    private void complete(long endNs, long nowNs) {
        int star = length - 3;
        if (star < 1 || buf[star] != '*') {
            missingChecksums++;
            return;
        }
        int sum = 0;
        for (int i = 1; i < star; i++) {
            sum ^= buf[i];
        }
        int hi = Character.digit(buf[star + 1], 16);
        int lo = Character.digit(buf[star + 2], 16);
        if (hi < 0 || lo < 0 || (hi << 4 | lo) != sum) {
            badChecksums++;
            return;
        }
        sentences++;
        listener.onSentence(buf, length, firstByteNs, endNs, nowNs);
    }

    /** Sentences that passed the checksum. */
    public long sentences() {
        return sentences;
    }

    public long badChecksums() {
        return badChecksums;
    }

    public long missingChecksums() {
        return missingChecksums;
    }

    /** Sentences cut short by a new {@code $}, a control character or excessive length. */
    public long discardedSentences() {
        return discarded;
    }

    /** Bytes outside any sentence, other than line ends. */
    public long noiseBytes() {
        return noiseBytes;
    }
}
