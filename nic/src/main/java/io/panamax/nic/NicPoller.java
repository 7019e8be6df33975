package io.panamax.nic;

import io.panamax.reactor.Poller;
import io.panamax.reactor.Shard;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.buffer.PacketHandler;
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
        this.handlerErrors = shard.metrics().counter("nic_rx_handler_errors_total",
                "Received frames whose handler threw (a bug: reported, and the burst goes on)");
    }

    public NicPoller(NicQueue queue, PacketHandler receiver) {
        this(queue, receiver, DEFAULT_BURST);
    }

    public NicQueue queue() {
        return queue;
    }

    @Override
    public int poll() {
        int n = queue.receive(rx, burst);
        for (int i = 0; i < n; i++) {
            Packet p = rx[i];
            rx[i] = null;
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
        if (txCount == tx.length) {
            flush();
            if (txCount == tx.length) {
                queue.stats().txDrops.increment();
                p.release();
                return;
            }
        }
        tx[txCount++] = p;
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
        for (int i = left; i < txCount; i++) {
            tx[i] = null;
        }
        txCount = left;
        return sent;
    }

    /** Frames waiting for the device. */
    public int pendingTx() {
        return txCount;
    }
}
