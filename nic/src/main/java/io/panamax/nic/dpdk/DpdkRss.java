package io.panamax.nic.dpdk;

import io.panamax.dpdk.bindings.dpdk_h;
import io.panamax.dpdk.bindings.rte_eth_rss_conf;
import io.panamax.dpdk.bindings.rte_eth_rss_reta_entry64;
import io.panamax.nic.RssControl;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.EnumSet;
import java.util.Set;

/**
 * The RSS settings of a DPDK port, read back from and written to the device:
 * {@code rte_eth_dev_rss_hash_conf_get/update} for the key and hash types,
 * {@code rte_eth_dev_rss_reta_query/update} for the redirection table. Control path: call from
 * outside the shards (or accept the syscall-free but not instant driver call on one).
 */
final class DpdkRss implements RssControl {
    /**
     * The flow types Panamax asks the device to hash: IPv4 and IPv6 addresses, and ports for TCP
     * and UDP, as the stack's software steering does (FrameFlow). Not the {@code IPV6_EX} types:
     * they hash the home address option's or type 2 routing header's address instead of the
     * header's (mobile IPv6), which the stack does not.
     */
    static final long WANTED_RSS_HF = dpdk_h.RTE_ETH_RSS_IPV4() | dpdk_h.RTE_ETH_RSS_FRAG_IPV4()
            | dpdk_h.RTE_ETH_RSS_NONFRAG_IPV4_OTHER() | dpdk_h.RTE_ETH_RSS_NONFRAG_IPV4_TCP()
            | dpdk_h.RTE_ETH_RSS_NONFRAG_IPV4_UDP()
            | dpdk_h.RTE_ETH_RSS_IPV6() | dpdk_h.RTE_ETH_RSS_FRAG_IPV6()
            | dpdk_h.RTE_ETH_RSS_NONFRAG_IPV6_OTHER() | dpdk_h.RTE_ETH_RSS_NONFRAG_IPV6_TCP()
            | dpdk_h.RTE_ETH_RSS_NONFRAG_IPV6_UDP();
    private static final int GROUP = dpdk_h.RTE_ETH_RETA_GROUP_SIZE();
    /** Key length asked for when the device does not say (the 40-byte Toeplitz key of most NICs). */
    private static final int DEFAULT_KEY_BYTES = 40;

    private final String name;
    private final ControlContext context;
    private final int port;
    private final int retaSize;
    private final int keyBytes;
    private final int queues;

    DpdkRss(String name, ControlContext context, int port, int retaSize, int keyBytes, int queues) {
        this.name = name;
        this.context = context;
        this.port = port;
        this.retaSize = retaSize;
        this.keyBytes = keyBytes > 0 ? keyBytes : DEFAULT_KEY_BYTES;
        this.queues = queues;
    }

    @Override
    public byte[] key() {
        return control(() -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment conf = hashConf(arena);
                int len = rte_eth_rss_conf.rss_key_len(conf) & 0xff;
                return rte_eth_rss_conf.rss_key(conf).reinterpret(len).toArray(ValueLayout.JAVA_BYTE);
            }
        });
    }

    @Override
    public void setKey(byte[] key) {
        if (key.length != keyBytes) {
            throw new IllegalArgumentException(name + " takes a " + keyBytes + "-byte RSS key, not " + key.length);
        }
        control(() -> {
            try (Arena arena = Arena.ofConfined()) {
                long hf = rte_eth_rss_conf.rss_hf(hashConf(arena));
                MemorySegment conf = rte_eth_rss_conf.allocate(arena);
                rte_eth_rss_conf.rss_key(conf, arena.allocateFrom(ValueLayout.JAVA_BYTE, key));
                rte_eth_rss_conf.rss_key_len(conf, (byte) key.length);
                rte_eth_rss_conf.rss_hf(conf, hf);
                DpdkException.check(dpdk_h.rte_eth_dev_rss_hash_update((short) port, conf),
                        "rte_eth_dev_rss_hash_update(" + name + ")");
                return null;
            }
        });
    }

    @Override
    public int[] redirectionTable() {
        return control(() -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment groups = retaGroups(arena);
                DpdkException.check(dpdk_h.rte_eth_dev_rss_reta_query((short) port, groups, (short) retaSize),
                        "rte_eth_dev_rss_reta_query(" + name + ")");
                int[] table = new int[retaSize];
                for (int i = 0; i < retaSize; i++) {
                    table[i] = entry(groups, i).get(ValueLayout.JAVA_SHORT, 0) & 0xffff;
                }
                return table;
            }
        });
    }

    @Override
    public void setRedirectionTable(int[] table) {
        if (table.length != retaSize) {
            throw new IllegalArgumentException(name + " has a " + retaSize + "-entry redirection table, not "
                    + table.length);
        }
        for (int q : table) {
            if (q < 0 || q >= queues) {
                throw new IllegalArgumentException("redirection to queue " + q + " of " + queues);
            }
        }
        control(() -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment groups = retaGroups(arena);
                for (int i = 0; i < retaSize; i++) {
                    entry(groups, i).set(ValueLayout.JAVA_SHORT, 0, (short) table[i]);
                }
                DpdkException.check(dpdk_h.rte_eth_dev_rss_reta_update((short) port, groups, (short) retaSize),
                        "rte_eth_dev_rss_reta_update(" + name + ")");
                return null;
            }
        });
    }

    @Override
    public Set<HashType> hashTypes() {
        long hf = control(() -> {
            try (Arena arena = Arena.ofConfined()) {
                return rte_eth_rss_conf.rss_hf(hashConf(arena));
            }
        });
        return hashTypes(hf);
    }

    /** Bytes in the device's RSS key. */
    int keyBytes() {
        return keyBytes;
    }

    private <T> T control(java.util.concurrent.Callable<T> action) {
        return DpdkNic.call(context, action);
    }

    static Set<HashType> hashTypes(long hf) {
        Set<HashType> types = EnumSet.noneOf(HashType.class);
        if ((hf & (dpdk_h.RTE_ETH_RSS_IPV4() | dpdk_h.RTE_ETH_RSS_FRAG_IPV4() | dpdk_h.RTE_ETH_RSS_NONFRAG_IPV4_OTHER())) != 0) {
            types.add(HashType.IPV4);
        }
        if ((hf & dpdk_h.RTE_ETH_RSS_NONFRAG_IPV4_TCP()) != 0) {
            types.add(HashType.IPV4_TCP);
        }
        if ((hf & dpdk_h.RTE_ETH_RSS_NONFRAG_IPV4_UDP()) != 0) {
            types.add(HashType.IPV4_UDP);
        }
        if ((hf & (dpdk_h.RTE_ETH_RSS_IPV6() | dpdk_h.RTE_ETH_RSS_FRAG_IPV6() | dpdk_h.RTE_ETH_RSS_NONFRAG_IPV6_OTHER())) != 0) {
            types.add(HashType.IPV6);
        }
        if ((hf & dpdk_h.RTE_ETH_RSS_NONFRAG_IPV6_TCP()) != 0) {
            types.add(HashType.IPV6_TCP);
        }
        if ((hf & dpdk_h.RTE_ETH_RSS_NONFRAG_IPV6_UDP()) != 0) {
            types.add(HashType.IPV6_UDP);
        }
        return types;
    }

    private MemorySegment hashConf(Arena arena) {
        MemorySegment conf = rte_eth_rss_conf.allocate(arena);
        rte_eth_rss_conf.rss_key(conf, arena.allocate(keyBytes));
        rte_eth_rss_conf.rss_key_len(conf, (byte) keyBytes);
        DpdkException.check(dpdk_h.rte_eth_dev_rss_hash_conf_get((short) port, conf),
                "rte_eth_dev_rss_hash_conf_get(" + name + ")");
        return conf;
    }

    /** The 64-entry groups of the table, every entry selected by its group's mask. */
    private MemorySegment retaGroups(Arena arena) {
        int n = (retaSize + GROUP - 1) / GROUP;
        MemorySegment groups = arena.allocate(rte_eth_rss_reta_entry64.layout(), n);
        for (int g = 0; g < n; g++) {
            int entries = Math.min(GROUP, retaSize - g * GROUP);
            long mask = entries == 64 ? -1L : (1L << entries) - 1;
            rte_eth_rss_reta_entry64.mask(groups.asSlice(g * rte_eth_rss_reta_entry64.sizeof()), mask);
        }
        return groups;
    }

    private static MemorySegment entry(MemorySegment groups, int i) {
        return groups.asSlice((i / GROUP) * rte_eth_rss_reta_entry64.sizeof()
                + rte_eth_rss_reta_entry64.reta$offset() + (long) (i % GROUP) * Short.BYTES, Short.BYTES);
    }
}
