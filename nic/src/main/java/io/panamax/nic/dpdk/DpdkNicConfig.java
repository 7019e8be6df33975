package io.panamax.nic.dpdk;

import io.panamax.dpdk.Mbuf;
import io.panamax.nic.NicPoller;

import java.util.Arrays;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * How to open a {@link DpdkNic}; made with {@link #vdev(String)} or {@link #port(String)} and the
 * {@link Builder}.
 *
 * @param devargs        a virtual device to hot-plug ({@code "net_tap0,iface=pmx0"}), or null
 * @param portName       an existing port to use ({@code "0000:01:00.0"}, {@code "net_ring0"}), or null
 * @param queues         queue pairs: one per shard
 * @param rxDescriptors  receive ring size per queue (adjusted to the device's limits)
 * @param txDescriptors  transmit ring size per queue (adjusted to the device's limits)
 * @param burst          frames per receive/transmit burst, for sizing the pools
 * @param spareMbufs     mbufs per queue beyond the rings and bursts, for what the stack holds
 *                       (receive queues, reassembly, retransmission, packets being built)
 * @param mbufsPerQueue  mbufs per queue's pool; 0 to size it from the figures above
 * @param dataRoomSize   bytes per mbuf data buffer, {@code RTE_PKTMBUF_HEADROOM} included
 * @param mempoolOps     mempool driver: {@code ring_sp_sc} (one thread per pool, no atomics) or
 *                       {@code ring_mp_mc} when mbufs cross threads (two ports polled by
 *                       different shards over one {@code net_ring} pair)
 * @param rss            spread flows over the queues by RSS when there are several and the device can
 * @param rssKey         the RSS key to program, or null for the device's default
 * @param checksumOffload use the device's IPv4/TCP/UDP checksum offloads where it has them
 * @param tso            let the device cut TCP super-segments ({@code RTE_ETH_TX_OFFLOAD_TCP_TSO}) when
 *                       it has TSO, IPv4 and TCP checksum offloads and mbuf chains on transmit
 * @param promiscuous    receive frames for every destination MAC
 * @param mtu            MTU to set, or 0 to keep the device's
 * @param controlContext where control-path calls run (see {@link ControlContext})
 * @param removeOnClose  remove a hot-plugged virtual device when the NIC closes
 * @param fewerQueuesOk  open with as many queue pairs as the device allows when it has fewer than
 *                       {@code queues} (the stack then steers the other shards' flows in software);
 *                       otherwise that is an error
 * @param xdpSocketWait  on a {@code net_af_xdp} port, let an idle shard sleep in {@code ppoll} on its
 *                       queue's AF_XDP socket ({@link DpdkQueue#readyDescriptor()}), woken by the
 *                       kernel when a frame reaches the socket's RX ring, instead of parking blind
 *                       (default on; ignored for other drivers, which have no such descriptor)
 */
public record DpdkNicConfig(String devargs, String portName, int queues, int rxDescriptors, int txDescriptors,
                            int burst, int spareMbufs, int mbufsPerQueue, int dataRoomSize, String mempoolOps,
                            boolean rss, byte[] rssKey, boolean checksumOffload, boolean tso, boolean promiscuous,
                            int mtu, ControlContext controlContext, boolean removeOnClose, boolean fewerQueuesOk,
                            boolean xdpSocketWait, int mempoolCache) {
    public static final int DEFAULT_DESCRIPTORS = 1024;
    /** The default {@link #mempoolCache()}: DPDK's own examples use 250-512; testpmd 250. */
    public static final int DEFAULT_MEMPOOL_CACHE = 256;
    public static final int DEFAULT_SPARE_MBUFS = 2048;
    /** {@code RTE_MBUF_DEFAULT_BUF_SIZE}: 2048 bytes of data after the headroom. */
    public static final int DEFAULT_DATA_ROOM = 2048 + Mbuf.HEADROOM;
    public static final String SINGLE_THREAD_OPS = "ring_sp_sc";
    public static final String MULTI_THREAD_OPS = "ring_mp_mc";

    public DpdkNicConfig {
        if ((devargs == null) == (portName == null)) {
            throw new IllegalArgumentException("give either a virtual device to probe or an existing port, not "
                    + (devargs == null ? "neither" : "both"));
        }
        if (queues < 1) {
            throw new IllegalArgumentException("queues must be at least 1, not " + queues);
        }
        if (rxDescriptors < 1 || txDescriptors < 1 || rxDescriptors > 0xffff || txDescriptors > 0xffff) {
            throw new IllegalArgumentException("ring sizes must be 1..65535, not " + rxDescriptors + "/" + txDescriptors);
        }
        if (burst < 1 || spareMbufs < 0 || mbufsPerQueue < 0) {
            throw new IllegalArgumentException("bad pool sizing: burst " + burst + ", spare " + spareMbufs
                    + ", mbufs " + mbufsPerQueue);
        }
        if (mbufsPerQueue > 0 && mbufsPerQueue <= rxDescriptors + burst) {
            throw new IllegalArgumentException("mbufsPerQueue " + mbufsPerQueue + " leaves nothing for the stack: a driver"
                    + " keeps its receive ring (" + rxDescriptors + " descriptors) filled with mbufs of the pool");
        }
        if (dataRoomSize <= Mbuf.HEADROOM || dataRoomSize > 0xffff) {
            throw new IllegalArgumentException("dataRoomSize " + dataRoomSize + " must exceed the headroom "
                    + Mbuf.HEADROOM + " and fit in 16 bits");
        }
        Objects.requireNonNull(mempoolOps, "mempoolOps");
        Objects.requireNonNull(controlContext, "controlContext");
        if (mtu < 0) {
            throw new IllegalArgumentException("mtu " + mtu);
        }
        if (mempoolCache < 0 || mempoolCache > LcoreCache.MAX_SIZE) {
            throw new IllegalArgumentException("mempoolCache must be 0.." + LcoreCache.MAX_SIZE + ", not " + mempoolCache);
        }
        rssKey = rssKey == null ? null : rssKey.clone();
    }

    /** A NIC over a virtual device hot-plugged from {@code devargs} (e.g. {@code "net_ring0"}). */
    public static Builder vdev(String devargs) {
        return new Builder(Objects.requireNonNull(devargs), null);
    }

    /** A NIC over an existing port (a bound PCI device, or a vdev given on the EAL command line). */
    public static Builder port(String name) {
        return new Builder(null, Objects.requireNonNull(name));
    }

    /** Mbufs in each queue's pool: given, or rings + bursts in flight + the spare. */
    public int effectiveMbufsPerQueue() {
        if (mbufsPerQueue > 0) {
            return mbufsPerQueue;
        }
        // RX ring refills, TX ring in flight, one burst in each direction in our hands, the
        // NicPoller's backlog of waiting bursts, the MbufBufferPool's cache, and what the lcore
        // cache may hold (up to its flush threshold, 1.5 x its size).
        return rxDescriptors + txDescriptors + 2 * burst + 4 * burst + MbufBufferPool.CACHE_CAPACITY + spareMbufs
                + (isAfXdp() ? AF_XDP_RING_MBUFS : 0) + effectiveMempoolCache() * 3 / 2;
    }

    /**
     * The lcore cache size each queue's pool is made with: {@link #mempoolCache()}, 0 on
     * {@code net_af_xdp}, and at most what DPDK accepts for the pool's size (its
     * {@code CALC_CACHE_FLUSHTHRESH}, 1.5 x the cache, must not exceed the pool).
     */
    public int effectiveMempoolCache() {
        if (isAfXdp()) {
            return 0;
        }
        return mbufsPerQueue > 0 ? Math.min(mempoolCache, mbufsPerQueue * 2 / 3) : mempoolCache;
    }

    /**
     * Mbufs DPDK 22.11's AF_XDP driver keeps beyond the descriptors it reports: it fills the
     * socket's fill ring with 2,048 of the pool's mbufs at setup (ETH_AF_XDP_DFLT_NUM_DESCS) and
     * keeps refilling it, and transmitted mbufs wait in the TX and completion rings (2,048 each)
     * until a later transmit reaps them. Without these the pool runs dry under a bulk transfer; the
     * driver then refuses to receive (it receives a burst only when it can refill the fill ring for
     * all of it), no acknowledgment gets in, nothing the stack holds is freed: a deadlock.
     */
    static final int AF_XDP_RING_MBUFS = 2 * 2048;

    /** Whether this is DPDK's AF_XDP driver (its devargs name a {@code net_af_xdp} device). */
    boolean isAfXdp() {
        return devargs != null && devargs.startsWith("net_af_xdp");
    }

    /**
     * Whether an empty receive on this net_af_xdp device makes no system call: only with
     * {@code busy_budget=0} in its devargs. With a budget (the driver's default, 64) DPDK 22.11's
     * receive burst calls {@code recvfrom(MSG_DONTWAIT)} whenever it finds its ring empty, to drive
     * the kernel's busy polling; a port named on the EAL command line is assumed to do so too.
     */
    boolean afXdpEmptyPollIsCheap() {
        if (devargs == null) {
            return false;
        }
        for (String kv : devargs.split(",")) {
            if (kv.strip().equals("busy_budget=0")) {
                return true;
            }
        }
        return false;
    }

    /** The device's name: the devargs up to the first comma, or the port name. */
    public String deviceName() {
        return devargs != null ? Eal.deviceName(devargs) : portName;
    }

    public OptionalInt mtuSetting() {
        return mtu == 0 ? OptionalInt.empty() : OptionalInt.of(mtu);
    }

    @Override
    public byte[] rssKey() {
        return rssKey == null ? null : rssKey.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DpdkNicConfig c && Objects.equals(devargs, c.devargs) && Objects.equals(portName, c.portName)
                && queues == c.queues && rxDescriptors == c.rxDescriptors && txDescriptors == c.txDescriptors
                && burst == c.burst && spareMbufs == c.spareMbufs && mbufsPerQueue == c.mbufsPerQueue
                && dataRoomSize == c.dataRoomSize && mempoolOps.equals(c.mempoolOps) && rss == c.rss
                && Arrays.equals(rssKey, c.rssKey) && checksumOffload == c.checksumOffload && tso == c.tso
                && promiscuous == c.promiscuous && mtu == c.mtu && controlContext == c.controlContext
                && removeOnClose == c.removeOnClose && fewerQueuesOk == c.fewerQueuesOk
                && xdpSocketWait == c.xdpSocketWait && mempoolCache == c.mempoolCache;
    }

    @Override
    public int hashCode() {
        return Objects.hash(devargs, portName, queues, rxDescriptors, txDescriptors, mtu);
    }

    @Override
    public String toString() {
        return "DpdkNicConfig[" + (devargs != null ? "vdev " + devargs : "port " + portName) + ", queues " + queues
                + ", rings " + rxDescriptors + "/" + txDescriptors + ", mbufs/queue " + effectiveMbufsPerQueue()
                + ", lcore cache " + effectiveMempoolCache()
                + ", ops " + mempoolOps + "]";
    }

    /** Builds a {@link DpdkNicConfig}; every setting but the device has a default. */
    public static final class Builder {
        private final String devargs;
        private final String portName;
        private int queues = 1;
        private int rxDescriptors = DEFAULT_DESCRIPTORS;
        private int txDescriptors = DEFAULT_DESCRIPTORS;
        private int burst = NicPoller.DEFAULT_BURST;
        private int spareMbufs = DEFAULT_SPARE_MBUFS;
        private int mbufsPerQueue;
        private int dataRoomSize = DEFAULT_DATA_ROOM;
        private String mempoolOps = SINGLE_THREAD_OPS;
        private int mempoolCache = DEFAULT_MEMPOOL_CACHE;
        private boolean rss = true;
        private byte[] rssKey;
        private boolean checksumOffload = true;
        private boolean tso = true;
        private boolean promiscuous;
        private int mtu;
        private ControlContext controlContext = ControlContext.DIRECT;
        private boolean removeOnClose = true;
        private boolean fewerQueuesOk;
        private boolean xdpSocketWait = true;

        private Builder(String devargs, String portName) {
            this.devargs = devargs;
            this.portName = portName;
        }

        /** Queue pairs, one per shard (default 1); a device with fewer is an error. */
        public Builder queues(int n) {
            this.queues = n;
            this.fewerQueuesOk = false;
            return this;
        }

        /** Up to {@code n} queue pairs: as many as the device allows (see {@link DpdkNicConfig#fewerQueuesOk}). */
        public Builder queuesUpTo(int n) {
            this.queues = n;
            this.fewerQueuesOk = true;
            return this;
        }

        /** Ring sizes (default 1024/1024). */
        public Builder descriptors(int rx, int tx) {
            this.rxDescriptors = rx;
            this.txDescriptors = tx;
            return this;
        }

        public Builder burst(int n) {
            this.burst = n;
            return this;
        }

        public Builder spareMbufs(int n) {
            this.spareMbufs = n;
            return this;
        }

        /** Mbufs per queue's pool, overriding the computed size. */
        public Builder mbufsPerQueue(int n) {
            this.mbufsPerQueue = n;
            return this;
        }

        public Builder dataRoomSize(int bytes) {
            this.dataRoomSize = bytes;
            return this;
        }

        public Builder mempoolOps(String ops) {
            this.mempoolOps = ops;
            return this;
        }

        public Builder rss(boolean on) {
            this.rss = on;
            return this;
        }

        public Builder rssKey(byte[] key) {
            this.rssKey = key == null ? null : key.clone();
            return this;
        }

        public Builder checksumOffload(boolean on) {
            this.checksumOffload = on;
            return this;
        }

        /** Whether to use the device's TSO when it has it (default yes); without, TCP segments in software. */
        public Builder tso(boolean on) {
            this.tso = on;
            return this;
        }

        public Builder promiscuous(boolean on) {
            this.promiscuous = on;
            return this;
        }

        public Builder mtu(int mtu) {
            this.mtu = mtu;
            return this;
        }

        public Builder controlContext(ControlContext context) {
            this.controlContext = context;
            return this;
        }

        public Builder removeOnClose(boolean remove) {
            this.removeOnClose = remove;
            return this;
        }

        /**
         * On a {@code net_af_xdp} port, whether an idle shard sleeps on its queue's AF_XDP socket
         * (default yes; see {@link DpdkNicConfig#xdpSocketWait}); without, it spins, then parks blind.
         */
        public Builder xdpSocketWait(boolean on) {
            this.xdpSocketWait = on;
            return this;
        }

        /** Mbufs per queue pool's lcore cache (default {@value DpdkNicConfig#DEFAULT_MEMPOOL_CACHE}); 0 for none. */
        public Builder mempoolCache(int mbufs) {
            this.mempoolCache = mbufs;
            return this;
        }

        public DpdkNicConfig build() {
            return new DpdkNicConfig(devargs, portName, queues, rxDescriptors, txDescriptors, burst, spareMbufs,
                    mbufsPerQueue, dataRoomSize, mempoolOps, rss, rssKey, checksumOffload, tso, promiscuous,
                    mtu, controlContext, removeOnClose, fewerQueuesOk, xdpSocketWait, mempoolCache);
        }
    }
}
