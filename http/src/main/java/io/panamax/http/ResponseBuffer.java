package io.panamax.http;

import io.panamax.reactor.buffer.Packet;

import java.util.Arrays;

/**
 * A growable byte array in which a response's head (or a short body) is put together before it is
 * copied into packet buffers in one go. Reused: each shard's server owns a few.
 */
final class ResponseBuffer {
    private byte[] bytes;
    private int length;

    ResponseBuffer(int initialCapacity) {
        bytes = new byte[initialCapacity];
    }

    ResponseBuffer clear() {
        length = 0;
        return this;
    }

    int length() {
        return length;
    }

    ResponseBuffer bytes(byte[] b) {
        return bytes(b, 0, b.length);
    }

    ResponseBuffer bytes(byte[] b, int from, int n) {
        ensure(n);
        System.arraycopy(b, from, bytes, length, n);
        length += n;
        return this;
    }

    /** Characters of an ASCII (or ISO-8859-1) string, one byte each, without encoding it first. */
    ResponseBuffer ascii(String s) {
        int n = s.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            bytes[length + i] = (byte) s.charAt(i);
        }
        length += n;
        return this;
    }

    ResponseBuffer decimal(long v) {
        if (v < 0) {
            throw new IllegalArgumentException("negative: " + v);
        }
        int digits = 1;
        for (long x = v / 10; x != 0; x /= 10) {
            digits++;
        }
        ensure(digits);
        for (int i = length + digits - 1; i >= length; i--) {
            bytes[i] = (byte) ('0' + v % 10);
            v /= 10;
        }
        length += digits;
        return this;
    }

    ResponseBuffer crlf() {
        ensure(2);
        bytes[length++] = '\r';
        bytes[length++] = '\n';
        return this;
    }

    /** Appends the bytes to {@code p}; false when the shard's buffer pool ran out first. */
    boolean appendTo(Packet p) {
        return p.appendBytes(bytes, 0, length) == length;
    }

    /** A copy of the bytes (for tests). */
    byte[] toByteArray() {
        return Arrays.copyOf(bytes, length);
    }

    private void ensure(int n) {
        if (length + n > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + n));
        }
    }
}
