package io.panamax.rss;

import java.util.Arrays;

/**
 * The RSS redirection table (RETA, Microsoft's "indirection table"): maps a hash to a queue. The
 * table has a power-of-two number of entries, as NICs do (128 on the 82599, 512 on mlx5 and
 * i40e), and the low bits of the hash select the entry: {@code queue = entry[hash & (size - 1)]},
 * which is {@code hash mod size}, as the 82599 datasheet (the seven least significant bits index
 * its 128 entries) and DPDK describe.
 *
 * <p>The queues a table names are {@code 0 .. queueCount - 1}. For a NIC they are its receive
 * queues; for software steering they are the shards themselves (see {@link FlowSteering}).
 *
 * <p>A table is a plain mutable object confined to one thread: the control plane edits one and
 * hands each shard its own {@link #copy()} (or pushes the entries to the NIC). Lookups allocate
 * nothing.
 */
public final class RedirectionTable {
    /** The 82599's size, and what the {@code rss} command assumes without {@code --reta-size}. */
    public static final int DEFAULT_SIZE = 128;
    /** The largest table accepted; the largest NIC tables have 2048 entries (ice). */
    public static final int MAX_SIZE = 1 << 16;

    private final int[] entries;
    private final int indexMask;
    private int queueCount;

    private RedirectionTable(int[] entries, int queueCount) {
        this.entries = entries;
        this.indexMask = entries.length - 1;
        this.queueCount = queueCount;
    }

    /**
     * A table of {@code size} entries spreading {@code queues} queues evenly:
     * entry {@code i} is queue {@code i mod queues}, as {@code ethtool -X equal} and DPDK's
     * drivers fill it.
     *
     * @throws IllegalArgumentException when size is not a power of two in 1..{@value #MAX_SIZE}
     *                                  or queues is not in 1..size
     */
    public static RedirectionTable spreading(int size, int queues) {
        requireSize(size);
        RedirectionTable table = new RedirectionTable(new int[size], 1);
        table.spread(queues);
        return table;
    }

    /**
     * A table with the given entries (copied), such as {@link io.panamax.nic.RssControl#redirectionTable()}
     * reads back from a device.
     *
     * @param queueCount the queues entries may name: each entry must be in {@code 0 .. queueCount - 1}
     * @throws IllegalArgumentException naming the first bad entry, or a bad size
     */
    public static RedirectionTable of(int[] entries, int queueCount) {
        requireSize(entries.length);
        requireQueueCount(queueCount);
        for (int i = 0; i < entries.length; i++) {
            requireQueue(entries[i], queueCount, i);
        }
        return new RedirectionTable(entries.clone(), queueCount);
    }

    private static void requireSize(int size) {
        if (size < 1 || size > MAX_SIZE || Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("a redirection table has a power-of-two number of entries, 1 to "
                    + MAX_SIZE + " (NICs: 64, 128, 512), got " + size);
        }
    }

    private static void requireQueueCount(int queues) {
        if (queues < 1) {
            throw new IllegalArgumentException("a redirection table needs at least one queue, got " + queues);
        }
    }

    private static void requireQueue(int queue, int queueCount, int index) {
        if (queue < 0 || queue >= queueCount) {
            throw new IllegalArgumentException("redirection table entry " + index + ": queue " + queue
                    + " is not one of the " + queueCount + " queues 0.." + (queueCount - 1));
        }
    }

    /** The queue that a packet with this hash goes to. */
    public int queueOf(int hash) {
        return entries[hash & indexMask];
    }

    /** The entry this hash selects: its low {@code log2(size)} bits. */
    public int indexOf(int hash) {
        return hash & indexMask;
    }

    /** Number of entries. */
    public int size() {
        return entries.length;
    }

    /** The queues entries may name: {@code 0 .. queueCount() - 1}. */
    public int queueCount() {
        return queueCount;
    }

    /** The queue of entry {@code index}. */
    public int entry(int index) {
        checkIndex(index);
        return entries[index];
    }

    /** Points entry {@code index} at {@code queue}, moving the flows that hash there. */
    public void set(int index, int queue) {
        checkIndex(index);
        requireQueue(queue, queueCount, index);
        entries[index] = queue;
    }

    /** Points every entry at {@code queue}: all flows to one queue (draining the others). */
    public void setAll(int queue) {
        requireQueue(queue, queueCount, 0);
        Arrays.fill(entries, queue);
    }

    /**
     * Rebalances for {@code queues} queues: entry {@code i} becomes queue {@code i mod queues}, so
     * each queue gets {@code size / queues} entries, or one more. When the queue count does not
     * divide the size the first queues get one extra entry; a table at least four times the queue
     * count keeps that imbalance small.
     *
     * @throws IllegalArgumentException when queues is not in 1..size
     */
    public void spread(int queues) {
        requireQueueCount(queues);
        if (queues > entries.length) {
            throw new IllegalArgumentException(queues + " queues do not fit a " + entries.length
                    + "-entry redirection table: some would get no entry and no traffic");
        }
        for (int i = 0; i < entries.length; i++) {
            entries[i] = i % queues;
        }
        queueCount = queues;
    }

    /** Number of entries that point at {@code queue}: its share of the flows, in units of 1/size. */
    public int entriesFor(int queue) {
        int n = 0;
        for (int e : entries) {
            if (e == queue) {
                n++;
            }
        }
        return n;
    }

    /** A copy of the entries, for {@link io.panamax.nic.RssControl#setRedirectionTable(int[])}. */
    public int[] toArray() {
        return entries.clone();
    }

    /** An independent copy, for another shard or for editing. */
    public RedirectionTable copy() {
        return new RedirectionTable(entries.clone(), queueCount);
    }

    private void checkIndex(int index) {
        if (index < 0 || index >= entries.length) {
            throw new IndexOutOfBoundsException("redirection table entry " + index + " is not in 0.." + (entries.length - 1));
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RedirectionTable t && t.queueCount == queueCount && Arrays.equals(t.entries, entries);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(entries) + queueCount;
    }

    @Override
    public String toString() {
        return "RedirectionTable[" + entries.length + " entries, " + queueCount + " queues]";
    }
}
