package io.panamax.stack;

import io.panamax.rss.LocalPortAllocator;
import io.panamax.rss.LocalPortsExhaustedException;
import io.panamax.tcp.LocalPortPolicy;

import java.util.function.IntPredicate;
import java.util.function.IntSupplier;

/**
 * TCP's local-port choice for active opens on a multi-shard stack: a port whose replies the NIC
 * (or the stack's software RSS) steers back to the connecting shard, from that shard's
 * {@link LocalPortAllocator}, and free in the shard's TCP table as well.
 */
final class RssPortPolicy implements LocalPortPolicy {
    /** Ports the allocator may offer that TCP finds taken (a listener on them) before we give up. */
    private static final int MAX_TAKEN = 64;

    private final LocalPortAllocator allocator;

    RssPortPolicy(LocalPortAllocator allocator) {
        this.allocator = allocator;
    }

    @Override
    public int choose(int localIp, int remoteIp, int remotePort, PortUsage ports) {
        return choose(() -> allocator.allocate(localIp, remoteIp, remotePort),
                port -> ports.isFree(localIp, port, remoteIp, remotePort));
    }

    @Override
    public int choose6(long localHigh, long localLow, long remoteHigh, long remoteLow, int remotePort, PortUsage ports) {
        return choose(() -> allocator.allocate6(localHigh, localLow, remoteHigh, remoteLow, remotePort),
                port -> ports.isFree6(localHigh, localLow, port, remoteHigh, remoteLow, remotePort));
    }

    /** The allocator's next port that TCP finds free (once per active open: the lambdas are not per packet). */
    private int choose(IntSupplier allocate, IntPredicate free) {
        int[] taken = new int[MAX_TAKEN];
        int nTaken = 0;
        try {
            while (true) {
                int port = allocate.getAsInt();
                if (free.test(port)) {
                    return port;
                }
                // Listening, or the 4-tuple is in use: keep it out of the allocator's way while we look on.
                if (nTaken == MAX_TAKEN) {
                    allocator.release(port);
                    return -1;
                }
                taken[nTaken++] = port;
            }
        } catch (LocalPortsExhaustedException e) {
            return -1;
        } finally {
            for (int i = 0; i < nTaken; i++) {
                allocator.release(taken[i]);
            }
        }
    }

    @Override
    public void release6(long localHigh, long localLow, int localPort, long remoteHigh, long remoteLow, int remotePort) {
        allocator.release(localPort);
    }

    @Override
    public void release(int localIp, int localPort, int remoteIp, int remotePort) {
        allocator.release(localPort);
    }
}
