package io.panamax.rss;

import io.panamax.nic.NicCapabilities;

import java.util.Objects;

/**
 * Which shard owns a flow: the composition hash → redirection table → queue → shard that decides
 * where a received packet is processed, in one of two modes.
 *
 * <ul>
 *   <li>{@linkplain #hardware Hardware}: the NIC has at least as many receive queues as there are
 *       shards. It hashes every packet with its key and sends it to the queue its redirection
 *       table names; queue {@code q} is polled by shard {@code q mod shards} (with as many queues
 *       as shards: shard {@code q}). The owner is the shard that receives the packet; nothing is
 *       forwarded. This object must hold the NIC's key and table.</li>
 *   <li>{@linkplain #software Software}: fewer queues than shards (TAP, a single-queue vdev, a pcap
 *       file), or queues the NIC fills by some other rule than Toeplitz (multi-queue TAP, where
 *       the kernel picks the queue). Queue {@code q} is polled by shard {@code q mod shards}; that
 *       shard hashes each packet with the stack's key, looks the hash up in the stack's table
 *       whose entries are shards, and forwards the packet to that owner over the shard queues
 *       unless it is the owner itself. When the
 *       NIC delivers its own hash with each packet and this object holds the NIC's key, the
 *       receiving shard can use that hash instead of computing one.</li>
 * </ul>
 *
 * <p>In both modes the owner is a function of the packet's tuple alone, the same on every shard.
 * That is what lets {@link LocalPortAllocator} choose a local port whose replies come back to
 * the connecting shard, and what makes two shards' choices disjoint.
 *
 * <p>An instance is confined to one shard: each shard gets its own {@link #copy()}. The table can
 * be replaced in place ({@link #updateTable}) by the shard that owns the instance, for instance
 * when the control plane rebalances the NIC and sends every shard the new entries.
 */
public final class FlowSteering {
    /** Where the hash is computed and the flow's owner found. */
    public enum Mode {
        /** The NIC hashes and steers: the receiving shard owns the flow. */
        HARDWARE,
        /** The receiving shard hashes and forwards to the owner. */
        SOFTWARE
    }

    private final Mode mode;
    private final Toeplitz toeplitz;
    private final RedirectionTable table;
    private final int queues;
    private final int shards;

    private FlowSteering(Mode mode, Toeplitz toeplitz, RedirectionTable table, int queues, int shards) {
        this.mode = mode;
        this.toeplitz = toeplitz;
        this.table = table;
        this.queues = queues;
        this.shards = shards;
    }

    /**
     * Steering done by the NIC.
     *
     * @param nicHash  the Toeplitz hash with the NIC's key
     * @param nicTable the NIC's redirection table (copied); its queue count is the NIC's receive queues
     * @param shards   the number of shards, at most the number of queues
     * @throws IllegalArgumentException when there are fewer queues than shards (use {@link #software})
     */
    public static FlowSteering hardware(Toeplitz nicHash, RedirectionTable nicTable, int shards) {
        Objects.requireNonNull(nicHash, "nicHash");
        requireShards(shards);
        int queues = nicTable.queueCount();
        if (queues < shards) {
            throw new IllegalArgumentException("hardware steering needs a receive queue per shard: " + queues
                    + " queues for " + shards + " shards (steer in software instead)");
        }
        return new FlowSteering(Mode.HARDWARE, nicHash, nicTable.copy(), queues, shards);
    }

    /**
     * Steering done by the stack.
     *
     * @param stackHash  the Toeplitz hash with the stack's key (the NIC's, to reuse the NIC's hash)
     * @param shardTable a redirection table whose entries are shards (copied); its queue count is
     *                   the number of shards
     * @param queues     the NIC's receive queues (usually fewer than the shards)
     * @throws IllegalArgumentException when there are no queues
     */
    public static FlowSteering software(Toeplitz stackHash, RedirectionTable shardTable, int queues) {
        Objects.requireNonNull(stackHash, "stackHash");
        int shards = shardTable.queueCount();
        if (queues < 1) {
            throw new IllegalArgumentException("a device needs at least one receive queue, got " + queues);
        }
        return new FlowSteering(Mode.SOFTWARE, stackHash, shardTable.copy(), queues, shards);
    }

    /**
     * The steering the stack sets up for a device: hardware with a table spreading the queues
     * evenly when there is a queue per shard, otherwise software with a table spreading the shards.
     *
     * @param hash      the key to hash with (the NIC's key in hardware mode)
     * @param tableSize entries of the table (the NIC's {@code retaSize} in hardware mode)
     */
    public static FlowSteering forQueues(Toeplitz hash, int tableSize, int queues, int shards) {
        requireShards(shards);
        if (queues < 1) {
            throw new IllegalArgumentException("a device needs at least one receive queue, got " + queues);
        }
        return queues >= shards
                ? hardware(hash, RedirectionTable.spreading(tableSize, queues), shards)
                : software(hash, RedirectionTable.spreading(tableSize, shards), queues);
    }

    /**
     * The steering the stack sets up for a device described by its capabilities: hardware when it
     * has RSS (a redirection table) and a queue per shard, with a table of the device's size;
     * otherwise software with a table over the shards of {@value RedirectionTable#DEFAULT_SIZE}
     * entries, or at least four per shard for more than 32 shards.
     *
     * @param hash the key to hash with; in hardware mode the caller installs the same key on the NIC
     */
    public static FlowSteering forDevice(Toeplitz hash, NicCapabilities device, int queues, int shards) {
        requireShards(shards);
        if (device.retaSize() > 0 && queues >= shards) {
            return hardware(hash, RedirectionTable.spreading(device.retaSize(), queues), shards);
        }
        return software(hash, RedirectionTable.spreading(softwareTableSize(shards), shards), queues);
    }

    /** At least four entries per shard keep any two shards' shares within 25% of each other. */
    static int softwareTableSize(int shards) {
        int fourPerShard = Integer.highestOneBit(Math.max(1, shards * 4 - 1)) << 1;
        return Math.min(RedirectionTable.MAX_SIZE, Math.max(RedirectionTable.DEFAULT_SIZE, fourPerShard));
    }

    private static void requireShards(int shards) {
        if (shards < 1) {
            throw new IllegalArgumentException("at least one shard, got " + shards);
        }
    }

    /** The shard that owns packets with this hash. */
    public int shardOf(int hash) {
        int target = table.queueOf(hash);
        return mode == Mode.HARDWARE ? target % shards : target;
    }

    /** The shard that owns a received IPv4 TCP packet with these header fields. */
    public int shardOfIpv4Tcp(int src, int dst, int srcPort, int dstPort) {
        return shardOf(toeplitz.hashIpv4Tcp(src, dst, srcPort, dstPort));
    }

    /** The shard that owns a received IPv4 packet hashed by addresses only (not TCP, or a fragment). */
    public int shardOfIpv4(int src, int dst) {
        return shardOf(toeplitz.hashIpv4(src, dst));
    }

    /**
     * The shard that owns a received IPv6 TCP or UDP packet with these header fields (the IPv6
     * 4-tuple, 36 bytes of input: RTE_ETH_RSS_NONFRAG_IPV6_TCP/UDP). An address is two longs, the
     * first eight bytes most significant first.
     */
    public int shardOfIpv6Tcp(long srcHigh, long srcLow, long dstHigh, long dstLow, int srcPort, int dstPort) {
        return shardOf(toeplitz.hashIpv6Tcp(srcHigh, srcLow, dstHigh, dstLow, srcPort, dstPort));
    }

    /** The shard that owns a received IPv6 packet hashed by addresses only (ICMPv6, fragments, other protocols). */
    public int shardOfIpv6(long srcHigh, long srcLow, long dstHigh, long dstLow) {
        return shardOf(toeplitz.hashIpv6(srcHigh, srcLow, dstHigh, dstLow));
    }

    /** The shard that polls receive queue {@code queue}. */
    public int receivingShard(int queue) {
        if (queue < 0 || queue >= queues) {
            throw new IndexOutOfBoundsException("receive queue " + queue + " is not in 0.." + (queues - 1));
        }
        return queue % shards;
    }

    /** Whether a receiving shard must hash packets and forward those another shard owns. */
    public boolean forwardsInSoftware() {
        return mode == Mode.SOFTWARE;
    }

    /** Whether any table entry leads to {@code shard}: without one it receives no flow at all. */
    public boolean ownsAnyEntry(int shard) {
        for (int i = 0; i < table.size(); i++) {
            if (shardOf(i) == shard) {
                return true;
            }
        }
        return false;
    }

    /**
     * Replaces the table's entries with {@code newTable}'s, for a rebalance pushed by the control
     * plane; call it on the shard that owns this instance. Connections whose flows move to another
     * shard stop receiving, so the stack does this only when it must.
     *
     * @throws IllegalArgumentException when the new table has another size or names queues (or
     *                                  shards) this steering does not have
     */
    public void updateTable(RedirectionTable newTable) {
        if (newTable.size() != table.size()) {
            throw new IllegalArgumentException("the new redirection table has " + newTable.size()
                    + " entries, the device's has " + table.size());
        }
        int targets = mode == Mode.HARDWARE ? queues : shards;
        for (int i = 0; i < newTable.size(); i++) {
            int e = newTable.entry(i);
            if (e >= targets) {
                throw new IllegalArgumentException("redirection table entry " + i + " names "
                        + (mode == Mode.HARDWARE ? "queue " : "shard ") + e + " of only " + targets);
            }
        }
        for (int i = 0; i < newTable.size(); i++) {
            table.set(i, newTable.entry(i));
        }
    }

    /** An independent copy for another shard, with its own hash table and redirection table. */
    public FlowSteering copy() {
        return new FlowSteering(mode, Toeplitz.of(toeplitz.key()), table.copy(), queues, shards);
    }

    /** Whether the NIC or the receiving shard finds the owner. */
    public Mode mode() {
        return mode;
    }

    /** The hash this steering computes. */
    public Toeplitz toeplitz() {
        return toeplitz;
    }

    /** A copy of the table: queues in hardware mode, shards in software mode. */
    public RedirectionTable redirectionTable() {
        return table.copy();
    }

    /** Entries of the redirection table. */
    public int tableSize() {
        return table.size();
    }

    /** The NIC's receive queues. */
    public int queues() {
        return queues;
    }

    /** The number of shards flows are spread over. */
    public int shards() {
        return shards;
    }

    @Override
    public String toString() {
        return "FlowSteering[" + mode + ", " + queues + " queues, " + shards + " shards, " + table.size() + "-entry table]";
    }
}
