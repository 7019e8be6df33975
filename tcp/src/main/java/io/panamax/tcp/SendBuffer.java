package io.panamax.tcp;

import io.panamax.reactor.buffer.Packet;

/**
 * The bytes a connection has accepted from the application and the peer has not acknowledged yet:
 * the application's own packets, kept as they were written (no copy). Segments are cut from it
 * as shared slices ({@link #slice}), so the first transmission and every retransmission point at
 * the same buffers; an acknowledgment trims the front and releases what no slice holds any more.
 *
 * <p>Offsets are relative to the first unacknowledged byte. A cursor remembers where the last
 * slice started, so cutting consecutive segments costs O(1) however many packets are queued.
 */
final class SendBuffer {
    private final PacketRing ring = new PacketRing();
    private int bytes;
    /** Index (relative to head) of the packet that holds the cursor position. */
    private int cursorIndex;
    /** Offset of that packet's first byte. */
    private int cursorStart;

    /** Bytes held: sent but unacknowledged, and not yet sent. */
    int size() {
        return bytes;
    }

    boolean isEmpty() {
        return bytes == 0;
    }

    /** Appends the application's packet; the buffer owns it now. */
    void append(Packet p) {
        ring.addLast(p);
        bytes += p.length();
    }

    private Packet at(int i) {
        return ring.get(i);
    }

    /** Drops the first {@code n} bytes (acknowledged by the peer), releasing whole packets. */
    void acknowledge(int n) {
        if (n < 0 || n > bytes) {
            throw new IllegalArgumentException("acknowledge " + n + " of " + bytes);
        }
        bytes -= n;
        cursorStart -= n;
        while (n > 0) {
            Packet first = ring.get(0);
            int len = first.length();
            if (len <= n) {
                n -= len;
                ring.pollFirst().release();
                cursorIndex--;
            } else {
                first.trimFront(n);
                n = 0;
            }
        }
        if (cursorIndex <= 0) {
            // The cursor's packet is now the first (perhaps trimmed): it starts at offset 0.
            cursorIndex = 0;
            cursorStart = 0;
        }
    }

    /**
     * A new packet sharing bytes {@code offset .. offset+len} (no copy); the caller owns it. Needs
     * {@code 0 < len} and {@code offset + len <= size()}.
     */
    Packet slice(int offset, int len) {
        if (offset < 0 || len <= 0 || offset + len > bytes) {
            throw new IndexOutOfBoundsException("slice " + offset + "+" + len + " of " + bytes);
        }
        if (offset < cursorStart) {
            cursorIndex = 0;
            cursorStart = 0;
        }
        while (offset >= cursorStart + at(cursorIndex).length()) {
            cursorStart += at(cursorIndex).length();
            cursorIndex++;
        }
        int i = cursorIndex;
        int skip = offset - cursorStart;
        Packet p = at(i);
        int n = Math.min(p.length() - skip, len);
        Packet out = p.share(skip, n);
        int left = len - n;
        while (left > 0) {
            p = at(++i);
            n = Math.min(p.length(), left);
            out.append(p.share(0, n));
            left -= n;
        }
        return out;
    }

    /** Releases everything (the connection is gone). */
    void clear() {
        ring.releaseAll();
        bytes = 0;
        cursorIndex = 0;
        cursorStart = 0;
    }
}
