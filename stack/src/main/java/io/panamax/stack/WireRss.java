package io.panamax.stack;

import io.panamax.nic.RssControl;
import io.panamax.nic.wire.WireSteering;
import io.panamax.reactor.buffer.Packet;
import io.panamax.rss.RedirectionTable;
import io.panamax.rss.RssKey;
import io.panamax.rss.Toeplitz;

import java.util.EnumSet;
import java.util.Set;

/**
 * Makes an in-memory wire NIC behave like a NIC with hardware RSS: every frame is hashed with
 * Toeplitz (the 4-tuple for TCP/UDP, the address pair otherwise, as {@link FrameFlow} defines) and
 * lands on the receive queue its redirection table names. As an {@link RssControl}, it is
 * programmed by the stack like a real device ({@code HardwareRss.configure}), so a stack on it runs
 * in hardware mode: flows arrive on their owner's queue and nothing is forwarded.
 *
 * <p>It runs on the sending shard; the key and table are replaced whole (volatile references), at
 * set-up, never on the data path.
 */
public final class WireRss implements WireSteering, RssControl {
    private volatile Toeplitz toeplitz = Toeplitz.microsoft();
    private volatile int[] table;

    /** A table of {@code tableSize} entries spreading {@code queues} queues, the Microsoft key. */
    public WireRss(int tableSize, int queues) {
        this.table = RedirectionTable.spreading(tableSize, queues).toArray();
    }

    @Override
    public int queueFor(Packet frame, int txQueue, int queueCount) {
        long h = FrameFlow.hash(frame, toeplitz);
        if (h == FrameFlow.NO_FLOW) {
            return 0; // like a NIC: frames without a flow go to the first queue
        }
        frame.setRssHash((int) h);
        int[] t = table;
        return t[(int) h & (t.length - 1)];
    }

    @Override
    public boolean setsHash() {
        return true;
    }

    @Override
    public byte[] key() {
        return toeplitz.key();
    }

    @Override
    public void setKey(byte[] key) {
        this.toeplitz = Toeplitz.of(key);
    }

    @Override
    public int[] redirectionTable() {
        return table.clone();
    }

    @Override
    public void setRedirectionTable(int[] entries) {
        if (Integer.bitCount(entries.length) != 1) {
            throw new IllegalArgumentException("redirection table size must be a power of two: " + entries.length);
        }
        this.table = entries.clone();
    }

    @Override
    public Set<HashType> hashTypes() {
        return EnumSet.allOf(HashType.class);
    }

    /** The key in hex (for logs). */
    @Override
    public String toString() {
        return "WireRss[key " + RssKey.toHex(toeplitz.key()) + ", " + table.length + " entries]";
    }
}
