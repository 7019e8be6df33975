package io.panamax.nic.dpdk;

import io.panamax.dpdk.bindings.dpdk_h;
import io.panamax.dpdk.bindings.rte_eth_conf;
import io.panamax.dpdk.bindings.rte_eth_rss_conf;
import io.panamax.dpdk.bindings.rte_eth_rxmode;
import io.panamax.dpdk.bindings.rte_eth_txmode;
import io.panamax.dpdk.bindings.rte_ether_addr;
import io.panamax.nic.AbstractNic;
import io.panamax.nic.MacAddress;
import io.panamax.nic.Nic;
import io.panamax.nic.NicCapabilities;
import io.panamax.nic.RssControl;
import io.panamax.nic.linux.XdpSockets;
import io.panamax.reactor.BufferPoolFactory;
import io.panamax.reactor.buffer.SlabBufferPool;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A DPDK ethdev port as a {@link Nic}: one receive and one transmit queue per shard, each with its
 * own mbuf pool, RSS over the queues when the device has it and there is more than one, checksum
 * offloads where the device has them.
 *
 * <pre>{@code
 * try (DpdkNic nic = DpdkNic.open(DpdkNicConfig.vdev("net_ring0").queues(2).build());
 *      Reactor reactor = Reactor.builder().shards(2).bufferPools(nic.bufferPools()).build().start()) {
 *     reactor.onEveryShard(shard -> shard.addPoller(new NicPoller(nic.queue(shard.id()), handler)));
 *     ...
 * }
 * }</pre>
 *
 * <p>With {@link #bufferPools()} a reactor's shards take their packet buffers from the queues'
 * mbuf pools, so frames the stack builds leave without a copy. Opening initialises the process's
 * {@link Eal} if needed. Open and close from outside the shards, and close only once no shard
 * polls the queues.
 */
public final class DpdkNic extends AbstractNic<DpdkQueue> {
    private static final System.Logger LOG = System.getLogger("io.panamax.nic.dpdk");
    /** Mempool names are process-wide in DPDK: numbered at open, on the control path, never per packet. */
    private static final AtomicInteger POOL_SEQUENCE = new AtomicInteger();

    private final DpdkNicConfig config;
    private final Eal eal;
    private final int port;
    private final boolean probed;
    private final DeviceInfo info;
    /** Queue pairs DPDK 22.11's net_tap driver can start without overflowing its IPC message. */
    static final int TAP_MAX_QUEUE_PAIRS = 4;
    /** DPDK's AF_XDP driver, whose queues each have an AF_XDP socket in this process. */
    static final String AF_XDP_DRIVER = "net_af_xdp";
    /**
     * The largest TCP super-segment (IP datagram) handed to a device with TSO: its frame, Ethernet
     * header included, must fit the 65,535 bytes a gathered mbuf chain holds ({@code pkt_len} is
     * 32 bits, but {@code DpdkQueue} caps frames there).
     */
    static final int TSO_MAX_BYTES = 65535 - 14;

    private final List<MbufPool> pools;
    private final NicCapabilities capabilities;
    private final DpdkRss rss;
    /** Whether all-multicast is on because a multicast list was refused (so a later list turns it off). */
    private volatile boolean allMulticastByUs;
    private boolean closed;

    private DpdkNic(DpdkNicConfig config, Eal eal, int port, boolean probed, DeviceInfo info, DpdkQueue[] queues,
                    List<MbufPool> pools, MacAddress mac, NicCapabilities capabilities, DpdkRss rss, int mtu, String name) {
        super(name, mac, mtu, queues);
        this.config = config;
        this.eal = eal;
        this.port = port;
        this.probed = probed;
        this.info = info;
        this.pools = pools;
        this.capabilities = capabilities;
        this.rss = rss;
    }

    /**
     * Opens the port {@code config} names (hot-plugging the virtual device first if it gives
     * devargs), configures and starts it. Throws {@link DpdkException} naming the device and the
     * step when that fails, {@link io.panamax.dpdk.DpdkUnavailableException} without DPDK.
     */
    public static DpdkNic open(DpdkNicConfig config) {
        Eal eal = Eal.get();
        if (NetTapTrigger.isNetTap(config.devargs())) {
            // net_tap would have the kernel signal the process once per received frame (NetTapTrigger).
            return NetTapTrigger.withoutRxTrigger(() -> call(config.controlContext(), () -> new Opening(config, eal).open()));
        }
        return call(config.controlContext(), () -> new Opening(config, eal).open());
    }

    // ---- Nic ----------------------------------------------------------------------------------------

    @Override
    public boolean linkUp() {
        return link().up();
    }

    @Override
    public NicCapabilities capabilities() {
        return capabilities;
    }

    @Override
    public Optional<RssControl> rss() {
        return Optional.ofNullable(rss);
    }

    /**
     * {@code rte_eth_dev_set_mc_addr_list} with the groups; a driver without a multicast filter
     * ({@code -ENOTSUP}) or with too small a one ({@code -ENOSPC}, {@code -EINVAL}) gets
     * all-multicast instead ({@code rte_eth_allmulticast_enable}), as Linux does for a device
     * whose filter overflows. All-multicast is turned off again once a list is taken.
     */
    @Override
    public MulticastDelivery setMulticastGroups(long[] groups) {
        return control(() -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment list = arena.allocate(rte_ether_addr.layout(), Math.max(1, groups.length));
                for (int i = 0; i < groups.length; i++) {
                    for (int b = 0; b < 6; b++) {
                        list.set(ValueLayout.JAVA_BYTE, i * rte_ether_addr.sizeof() + b, (byte) (groups[i] >>> (40 - 8 * b)));
                    }
                }
                int rc = dpdk_h.rte_eth_dev_set_mc_addr_list((short) port, list, groups.length);
                if (rc == 0) {
                    if (allMulticastByUs && dpdk_h.rte_eth_allmulticast_disable((short) port) == 0) {
                        allMulticastByUs = false;
                    }
                    return MulticastDelivery.FILTERED;
                }
                if (dpdk_h.rte_eth_allmulticast_get((short) port) == 1) {
                    return MulticastDelivery.ALL_MULTICAST;
                }
                int all = dpdk_h.rte_eth_allmulticast_enable((short) port);
                if (all == 0) {
                    allMulticastByUs = true;
                    LOG.log(System.Logger.Level.INFO, name() + ": the driver refused a list of " + groups.length
                            + " multicast group(s) (" + rc + "): all-multicast instead");
                    return MulticastDelivery.ALL_MULTICAST;
                }
                if (dpdk_h.rte_eth_promiscuous_get((short) port) == 1) {
                    return MulticastDelivery.ALL_MULTICAST;
                }
                LOG.log(System.Logger.Level.WARNING, name() + ": the driver takes neither a multicast list (" + rc
                        + ") nor all-multicast (" + all + "): IPv6 neighbour discovery may not receive its solicitations");
                return MulticastDelivery.REFUSED;
            }
        });
    }

    // ---- DPDK specifics ------------------------------------------------------------------------------

    /** The ethdev port id. */
    public int portId() {
        return port;
    }

    public DeviceInfo deviceInfo() {
        return info;
    }

    public DpdkNicConfig config() {
        return config;
    }

    /** The link as the driver reports it now. */
    public LinkStatus link() {
        return control(() -> LinkStatus.query(port));
    }

    /** The device's own counters. */
    public DeviceStats deviceStats() {
        return control(() -> DeviceStats.query(port));
    }

    /** Sets the MTU ({@code rte_eth_dev_set_mtu}). */
    public void setMtu(int newMtu) {
        control(() -> {
            DpdkException.check(dpdk_h.rte_eth_dev_set_mtu((short) port, (short) newMtu), "rte_eth_dev_set_mtu(" + name() + ", " + newMtu + ")");
            mtuChanged(queryMtu(port));
            return null;
        });
    }

    /**
     * Makes each shard's buffer pool from the mbufs of its queue (shard {@code i}, queue
     * {@code i}), for {@code Reactor.builder().bufferPools(...)}. Shards beyond the queues get a
     * plain off-heap pool: they own no queue, and their frames reach the device through a queue's
     * shard, copied.
     */
    public BufferPoolFactory bufferPools() {
        return (shard, cfg) -> shard.id() < queueCount()
                ? pools.get(shard.id()).bufferPool(shard)
                : new SlabBufferPool(shard, cfg.buffersPerShard(), cfg.bufferSize(), cfg.headroom());
    }

    @Override
    public Optional<BufferPoolFactory> deviceBufferPools() {
        return Optional.of(bufferPools());
    }

    /** Queue {@code q}'s mbuf pool (for {@link DpdkNicGroup}, whose shards take a port each). */
    MbufPool pool(int q) {
        return pools.get(q);
    }

    /**
     * Stops and closes the port, frees its mbuf pools and removes the virtual device if this NIC
     * hot-plugged it. No shard may poll the queues any more; buffers the stack still holds become
     * invalid (their memory is gone: the leak check runs before).
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int q = 0; q < queueCount(); q++) {
            queue(q).stop();
        }
        control(() -> {
            checkRc(dpdk_h.rte_eth_dev_stop((short) port), "rte_eth_dev_stop");
            checkRc(dpdk_h.rte_eth_dev_close((short) port), "rte_eth_dev_close");
            if (probed && config.removeOnClose()) {
                try {
                    eal.remove(config.deviceName());
                } catch (DpdkException e) {
                    LOG.log(System.Logger.Level.WARNING, name() + ": " + e.getMessage());
                }
            }
            return null;
        });
        for (MbufPool pool : pools) {
            MbufBufferPool bp = pool.boundPool();
            if (bp != null) {
                bp.drainCache();
            }
            // The port is stopped: the driver gave its mbufs back, except net_af_xdp's fill ring.
            // DPDK 22.11's AF_XDP driver fills it with 2,048 of the pool's mbufs when the queue is
            // set up and refills it one for one as it receives, so the fill ring, the RX ring and
            // the frames the kernel is writing hold exactly what it held at start; closing the port
            // deletes the UMEM (xdp_umem_destroy) without freeing any of them. They are the
            // driver's, not a leak: only mbufs beyond them are reported.
            int driverKeeps = info.driverName().equals(AF_XDP_DRIVER) ? pool.heldByDevice() : 0;
            int missing = pool.size() - pool.inMempool() - driverKeeps;
            if (missing > 0) {
                LOG.log(System.Logger.Level.WARNING, name() + ": closing mbuf pool " + pool.name() + " with " + missing
                        + " mbuf(s) still out; their buffers are now invalid");
            }
            pool.close();
        }
    }

    private void checkRc(int rc, String what) {
        if (rc < 0) {
            LOG.log(System.Logger.Level.WARNING, name() + ": " + what + " failed: " + rc);
        }
    }

    /** Runs a control-path call in the configured {@link ControlContext}. */
    <T> T control(Callable<T> action) {
        return call(config.controlContext(), action);
    }

    static <T> T call(ControlContext context, Callable<T> action) {
        try {
            return context.call(action);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new DpdkException("control call failed: " + e);
        }
    }

    static int queryMtu(int port) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(ValueLayout.JAVA_SHORT);
            DpdkException.check(dpdk_h.rte_eth_dev_get_mtu((short) port, m), "rte_eth_dev_get_mtu(port " + port + ")");
            return m.get(ValueLayout.JAVA_SHORT, 0) & 0xffff;
        }
    }

    @Override
    public String toString() {
        return "DpdkNic[" + name() + ", port " + port + ", " + info.driverName() + ", " + queueCount() + " queue(s), " + mac() + "]";
    }

    /** The steps of {@link #open}, undone in reverse when one fails. */
    private static final class Opening {
        private final DpdkNicConfig config;
        private final Eal eal;
        private final List<MbufPool> pools = new ArrayList<>();
        private int port = -1;
        private boolean probed;
        private boolean configured;

        Opening(DpdkNicConfig config, Eal eal) {
            this.config = config;
            this.eal = eal;
        }

        DpdkNic open() {
            try {
                return steps();
            } catch (RuntimeException | Error e) {
                undo();
                throw e;
            }
        }

        private DpdkNic steps() {
            String device = config.deviceName();
            if (config.devargs() != null) {
                port = eal.probe(config.devargs());
                probed = true;
            } else {
                port = eal.findPort(device).orElseThrow(() -> new DpdkException("no DPDK port named '" + device
                        + "' (" + eal.portCount() + " port(s) exist; bind the NIC to vfio-pci, or give a vdev)"));
            }
            String name = "dpdk:" + device;
            DeviceInfo info = DeviceInfo.query(port);
            int n = config.queues();
            int maxQueues = Math.min(info.maxRxQueues(), info.maxTxQueues());
            if (info.driverName().equals("net_tap") && maxQueues > TAP_MAX_QUEUE_PAIRS) {
                // DPDK 22.11's TAP driver hands every queue's descriptor to its multi-process
                // channel in one message that holds RTE_MP_MAX_FD_NUM (8) of them: more than 4
                // queue pairs overflow it ("Cannot send more than 8 FDs", then a smashed stack).
                maxQueues = TAP_MAX_QUEUE_PAIRS;
            }
            if (n > maxQueues && config.fewerQueuesOk()) {
                n = maxQueues;
            }
            if (n > maxQueues) {
                throw new DpdkException(name + " (" + info.driverName() + ") has at most " + maxQueues
                        + " queue pair(s), not the " + n + " asked for");
            }
            int socket = dpdk_h.rte_eth_dev_socket_id((short) port);
            if (socket < 0) {
                socket = dpdk_h.SOCKET_ID_ANY();
            }
            int seq = POOL_SEQUENCE.incrementAndGet();
            for (int q = 0; q < n; q++) {
                pools.add(MbufPool.create("pmx" + seq + "_p" + port + "q" + q, config.effectiveMbufsPerQueue(),
                        config.dataRoomSize(), socket, config.mempoolOps(), config.isAfXdp(),
                        config.effectiveMempoolCache()));
            }

            boolean useRss = config.rss() && n > 1 && (info.flowTypeRssOffloads() & DpdkRss.WANTED_RSS_HF) != 0;
            long rxOffloads = 0;
            long txOffloads = 0;
            boolean offload = config.checksumOffload();
            long rxIp = dpdk_h.RTE_ETH_RX_OFFLOAD_IPV4_CKSUM();
            long rxL4 = dpdk_h.RTE_ETH_RX_OFFLOAD_TCP_CKSUM() | dpdk_h.RTE_ETH_RX_OFFLOAD_UDP_CKSUM();
            boolean rxIpCk = offload && info.supportsRx(rxIp);
            boolean rxL4Ck = offload && info.supportsRx(rxL4);
            if (rxIpCk) {
                rxOffloads |= rxIp;
            }
            if (rxL4Ck) {
                rxOffloads |= rxL4;
            }
            if (useRss && info.supportsRx(dpdk_h.RTE_ETH_RX_OFFLOAD_RSS_HASH())) {
                rxOffloads |= dpdk_h.RTE_ETH_RX_OFFLOAD_RSS_HASH();
            }
            boolean txIp = offload && info.supportsTx(dpdk_h.RTE_ETH_TX_OFFLOAD_IPV4_CKSUM());
            boolean txTcp = offload && info.supportsTx(dpdk_h.RTE_ETH_TX_OFFLOAD_TCP_CKSUM());
            boolean txUdp = offload && info.supportsTx(dpdk_h.RTE_ETH_TX_OFFLOAD_UDP_CKSUM());
            txOffloads |= txIp ? dpdk_h.RTE_ETH_TX_OFFLOAD_IPV4_CKSUM() : 0;
            txOffloads |= txTcp ? dpdk_h.RTE_ETH_TX_OFFLOAD_TCP_CKSUM() : 0;
            txOffloads |= txUdp ? dpdk_h.RTE_ETH_TX_OFFLOAD_UDP_CKSUM() : 0;
            boolean chains = info.supportsTx(dpdk_h.RTE_ETH_TX_OFFLOAD_MULTI_SEGS());
            if (chains) {
                txOffloads |= dpdk_h.RTE_ETH_TX_OFFLOAD_MULTI_SEGS();
            }
            // TSO: a super-segment is up to 64 KB, so it goes as an mbuf chain, and every segment
            // the device cuts needs its IPv4 and TCP checksums (the stack leaves them to it).
            boolean tso = config.tso() && txIp && txTcp && chains && info.supportsTx(dpdk_h.RTE_ETH_TX_OFFLOAD_TCP_TSO());
            if (tso) {
                txOffloads |= dpdk_h.RTE_ETH_TX_OFFLOAD_TCP_TSO();
            }

            // net_af_xdp: each queue's AF_XDP socket, for idle shards to sleep on (-1: not found).
            int[] xdpSockets = config.xdpSocketWait() && info.driverName().equals(AF_XDP_DRIVER) ? new int[n] : null;
            Set<Integer> xdpBefore = xdpSockets != null ? XdpSockets.open() : null;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment conf = rte_eth_conf.allocate(arena);
                conf.fill((byte) 0);
                MemorySegment rxmode = rte_eth_conf.rxmode(conf);
                MemorySegment txmode = rte_eth_conf.txmode(conf);
                rte_eth_rxmode.offloads(rxmode, rxOffloads);
                rte_eth_txmode.offloads(txmode, txOffloads);
                rte_eth_txmode.mq_mode(txmode, dpdk_h.RTE_ETH_MQ_TX_NONE());
                rte_eth_rxmode.mq_mode(rxmode, useRss ? dpdk_h.RTE_ETH_MQ_RX_RSS() : dpdk_h.RTE_ETH_MQ_RX_NONE());
                if (useRss) {
                    MemorySegment rss = rte_eth_conf.rx_adv_conf.rss_conf(rte_eth_conf.rx_adv_conf(conf));
                    rte_eth_rss_conf.rss_hf(rss, DpdkRss.WANTED_RSS_HF & info.flowTypeRssOffloads());
                    byte[] key = config.rssKey();
                    if (key != null) {
                        if (info.hashKeySize() > 0 && key.length != info.hashKeySize()) {
                            throw new DpdkException(name + " takes a " + info.hashKeySize() + "-byte RSS key, not "
                                    + key.length);
                        }
                        rte_eth_rss_conf.rss_key(rss, arena.allocateFrom(ValueLayout.JAVA_BYTE, key));
                        rte_eth_rss_conf.rss_key_len(rss, (byte) key.length);
                    }
                }
                configured = true;
                DpdkException.check(dpdk_h.rte_eth_dev_configure((short) port, (short) n, (short) n, conf),
                        "rte_eth_dev_configure(" + name + ", " + n + " queue(s))");

                MemorySegment rxDesc = arena.allocateFrom(ValueLayout.JAVA_SHORT, (short) config.rxDescriptors());
                MemorySegment txDesc = arena.allocateFrom(ValueLayout.JAVA_SHORT, (short) config.txDescriptors());
                DpdkException.check(dpdk_h.rte_eth_dev_adjust_nb_rx_tx_desc((short) port, rxDesc, txDesc),
                        "rte_eth_dev_adjust_nb_rx_tx_desc(" + name + ")");
                for (int q = 0; q < n; q++) {
                    Set<Integer> before = xdpSockets != null ? XdpSockets.open() : null;
                    DpdkException.check(dpdk_h.rte_eth_rx_queue_setup((short) port, (short) q,
                                    rxDesc.get(ValueLayout.JAVA_SHORT, 0), socket, MemorySegment.NULL,
                                    MemorySegment.ofAddress(pools.get(q).address())),
                            "rte_eth_rx_queue_setup(" + name + ", queue " + q + ")");
                    if (xdpSockets != null) {
                        // DPDK 22.11's AF_XDP driver creates the queue's socket in its RX queue setup
                        // (xsk_configure): the one socket that appeared is this queue's.
                        Set<Integer> added = XdpSockets.added(before, XdpSockets.open());
                        xdpSockets[q] = added.size() == 1 ? added.iterator().next() : -1;
                    }
                    DpdkException.check(dpdk_h.rte_eth_tx_queue_setup((short) port, (short) q,
                                    txDesc.get(ValueLayout.JAVA_SHORT, 0), socket, MemorySegment.NULL),
                            "rte_eth_tx_queue_setup(" + name + ", queue " + q + ")");
                }
            }
            config.mtuSetting().ifPresent(m -> DpdkException.check(dpdk_h.rte_eth_dev_set_mtu((short) port, (short) m),
                    "rte_eth_dev_set_mtu(" + name + ", " + m + ")"));
            if (config.promiscuous()) {
                DpdkException.check(dpdk_h.rte_eth_promiscuous_enable((short) port), "rte_eth_promiscuous_enable(" + name + ")");
            }
            DpdkException.check(dpdk_h.rte_eth_dev_start((short) port), "rte_eth_dev_start(" + name + ")");
            if (xdpSockets != null && n == 1 && xdpSockets[0] < 0) {
                // A driver that makes its socket at start instead: with one queue, the one new socket is its.
                Set<Integer> added = XdpSockets.added(xdpBefore, XdpSockets.open());
                xdpSockets[0] = added.size() == 1 ? added.iterator().next() : -1;
            }
            for (MbufPool pool : pools) {
                pool.recordHeldByDevice();
            }

            MacAddress mac;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment addr = rte_ether_addr.allocate(arena);
                DpdkException.check(dpdk_h.rte_eth_macaddr_get((short) port, addr), "rte_eth_macaddr_get(" + name + ")");
                mac = MacAddress.of(addr.asSlice(0, 6).toArray(ValueLayout.JAVA_BYTE));
            }
            int mtu = queryMtu(port);
            DpdkRss rss = useRss && info.retaSize() > 0
                    ? new DpdkRss(name, config.controlContext(), port, info.retaSize(), info.hashKeySize(), n) : null;
            NicCapabilities caps = new NicCapabilities(maxQueues, rxIpCk, rxL4Ck, txIp, txTcp, txUdp,
                    useRss && (rxOffloads & dpdk_h.RTE_ETH_RX_OFFLOAD_RSS_HASH()) != 0,
                    rss != null ? rss.keyBytes() : 0, rss != null ? info.retaSize() : 0, tso ? TSO_MAX_BYTES : 0, false);
            DpdkQueue[] queues = new DpdkQueue[n];
            DpdkNic nic = new DpdkNic(config, eal, port, probed, info, queues, List.copyOf(pools), mac, caps, rss, mtu, name);
            OffloadFlags.Tx tx = new OffloadFlags.Tx(txIp, txTcp, txUdp);
            for (int q = 0; q < n; q++) {
                queues[q] = new DpdkQueue(nic, q, port, pools.get(q), tx, chains, tso ? DpdkQueue.Tso.of(info.driverName()) : null);
                queues[q].start();
                if (xdpSockets != null) {
                    queues[q].readyDescriptor(xdpSockets[q], config.afXdpEmptyPollIsCheap());
                }
            }
            if (xdpSockets != null && Arrays.stream(xdpSockets).anyMatch(fd -> fd < 0)) {
                LOG.log(System.Logger.Level.WARNING, name + ": AF_XDP socket of some queue not found "
                        + Arrays.toString(xdpSockets) + "; its shard spins, then parks blind");
            }
            return nic;
        }

        private void undo() {
            if (configured) {
                dpdk_h.rte_eth_dev_stop((short) port);
                dpdk_h.rte_eth_dev_close((short) port);
            }
            if (probed) {
                try {
                    eal.remove(config.deviceName());
                } catch (DpdkException e) {
                    LOG.log(System.Logger.Level.WARNING, "undoing a failed open: " + e.getMessage());
                }
            }
            for (MbufPool p : pools) {
                p.close();
            }
        }
    }
}
