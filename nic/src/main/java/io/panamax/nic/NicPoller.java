package io.panamax.nic;

import io.panamax.reactor.Poller;
import io.panamax.reactor.Shard;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.buffer.PacketHandler;
import io.panamax.reactor.buffer.PacketPool;
import io.panamax.nic.linux.PollWaiter;
import io.panamax.nic.linux.Pollable;
import io.panamax.nic.offload.SoftwareSegmentation;
import io.panamax.reactor.metrics.Counter;

/**
 * One shard's end of a NIC queue pair: each loop iteration it receives a burst and hands every
 * packet to the layer above; packets sent during the iteration are gathered and transmitted as one
 * burst when the loop flushes. Frames the device does not take stay queued for the next flush; when
 * the queue of waiting frames is full, new frames are dropped and counted ({@code txDrops}).
 */
public final class NicPoller implements Poller {
    /** Frames per receive or transmit burst (DPDK's customary 32). */
    public static final int DEFAULT_BURST = 32;

    private final NicQueue queue;
    private final PacketHandler receiver;
    private final Packet[] rx;
    private final Packet[] tx;
    private final int burst;
    private int txCount;
    private final Counter handlerErrors;
    private final Counter segmentationDrops;
    private final PacketPool packets;
    /** Whether the device cuts TCP super-segments itself; if not, they are cut here. */
    private boolean deviceSegments;
    /** Whether the device completes the TCP checksums of the frames cut here. */
    private boolean deviceChecksums;
    private final PacketHandler enqueue = this::enqueue;
    /** The shard's poll waiter while it sleeps on this queue's descriptor, else null. */
    private PollWaiter waiter;
    private Pollable descriptor;
    private static final System.Logger LOG = System.getLogger("io.panamax.nic");

    /**
     * @param queue    the queue pair, attached here to the calling shard's packet pool
     * @param receiver gets every received packet (and owns it)
     * @param burst    frames per burst; up to four bursts wait for the device before drops
     */
    public NicPoller(NicQueue queue, PacketHandler receiver, int burst) {
        this.queue = queue;
        this.receiver = receiver;
        this.burst = burst;
        this.rx = new Packet[burst];
        this.tx = new Packet[burst * 4];
        Shard shard = Shard.currentOrThrow();
        queue.attach(shard.packets());
        this.packets = shard.packets();
        this.handlerErrors = shard.metrics().counter("nic_rx_handler_errors_total",
                "Received frames whose handler threw (a bug: reported, and the burst goes on)");
        this.segmentationDrops = shard.metrics().counter("nic_tx_segmentation_drops_total",
                "TCP super-segments that could not be cut in software (not IPv4/TCP as flagged, or no buffers)");
    }

    /**
     * Tells the poller what the device does itself (by default nothing): TCP super-segments
     * ({@link Packet#TX_TCP_SEGMENTATION}) go to a device with TSO as they are, and are cut here,
     * once, for one without ({@link SoftwareSegmentation}), the frames then asking the device for
     * their TCP checksums if it has that offload.
     */
    public NicPoller deviceOffloads(NicCapabilities capabilities) {
        this.deviceSegments = capabilities.tso();
        this.deviceChecksums = capabilities.txTcpChecksum();
        return this;
    }

    public NicPoller(NicQueue queue, PacketHandler receiver) {
        this(queue, receiver, DEFAULT_BURST);
    }

    public NicQueue queue() {
        return queue;
    }

    /**
     * Makes the calling shard sleep on this queue's descriptor when idle ({@link PollWaiter}:
     * {@code ppoll} on it and an eventfd) instead of spinning on empty receives and parking
     * blind, if the queue has one ({@link NicQueue#readyDescriptor()}: TAP, DPDK net_af_xdp); on the shard.
     * Returns whether it does. {@link #close()} undoes it.
     */
    public boolean waitOnDescriptor() {
        if (waiter != null || queue.readyDescriptor() < 0) {
            return waiter != null;
        }
        PollWaiter w = PollWaiter.of(Shard.currentOrThrow());
        if (w == null) {
            return false; // manual mode
        }
        descriptor = queue::readyDescriptor; // -1 once the queue closes: ppoll then skips it
        w.watch(descriptor);
        waiter = w;
        return true;
    }

    /**
     * While the shard's idle wait watches this queue's descriptor, a frame wakes it by itself. Not
     * while frames wait for room on the device: the descriptor reports received frames only, so
     * the shard must come back within the blind park time to retry them.
     */
    @Override
    public boolean wakesIdleShard() {
        return waiter != null && txCount == 0;
    }

    /** As the queue says ({@link NicQueue#emptyPollIsCheap()}): on TAP an empty poll is a {@code read(2)}. */
    @Override
    public boolean emptyPollIsCheap() {
        return queue.emptyPollIsCheap();
    }

    @Override
    public int poll() {
        int n = queue.receive(rx, burst);
        for (int i = 0; i < n; i++) {
            // Left in rx after the handler (pooled wrappers, never read again): clearing it is one
            // more store per frame.
            Packet p = rx[i];
            try {
                receiver.handle(p);
            } catch (RuntimeException e) {
                // A bug above must not cost the rest of the burst. The packet's fate is unknown
                // (it may have been released or passed on), so it is not touched again.
                handlerErrors.increment();
                if (handlerErrors.get() <= 10) {
                    LOG.log(System.Logger.Level.ERROR, "a receive handler threw on " + p, e);
                }
            }
        }
        return n;
    }

    /** Queues {@code p} for the end-of-iteration burst; takes ownership. */
    public void send(Packet p) {
        if (p.hasFlag(Packet.TX_TCP_SEGMENTATION) && !deviceSegments) {
            if (SoftwareSegmentation.segment(p, packets, deviceChecksums, enqueue) < 0) {
                segmentationDrops.increment();
            }
            return;
        }
        enqueue(p);
    }

    private void enqueue(Packet p) {
        if (txCount == tx.length) {
            flush();
            if (txCount == tx.length) {
                queue.stats().txDrops.increment();
                p.release();
                return;
            }
        }
        // Stored only when it differs (a forwarding shard queues the same pooled wrapper at the same
        // index turn after turn): a reference store into this old array costs G1's post-write
        // barrier, a StoreLoad fence when the card is not young.
        if (tx[txCount] != p) {
            tx[txCount] = p;
        }
        txCount++;
        if (txCount >= burst) {
            flush();
        }
    }

    @Override
    public int flush() {
        if (txCount == 0) {
            return 0;
        }
        int sent = queue.transmit(tx, txCount);
        int left = txCount - sent;
        if (left > 0 && sent > 0) {
            System.arraycopy(tx, sent, tx, 0, left);
        }
        txCount = left; // the sent ones stay in tx past txCount (pooled wrappers, never read again)
        return sent;
    }

    /**
     * Ends this poller's use of the queue, on its shard, after the last {@link #flush()}: frames
     * still waiting are dropped (counted), and the queue gives back the buffers it held ready.
     */
    public void close() {
        for (int i = 0; i < txCount; i++) {
            tx[i].release();
            tx[i] = null;
        }
        queue.stats().txDrops.add(txCount);
        txCount = 0;
        if (waiter != null) {
            waiter.unwatch(descriptor);
            waiter = null;
        }
        queue.detach();
    }

    /** Frames waiting for the device. */
    public int pendingTx() {
        return txCount;
    }
}
