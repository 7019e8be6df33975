package io.panamax.stack;

import io.panamax.rss.LocalPortAllocator;
import io.panamax.rss.LocalPortsExhaustedException;
import io.panamax.tcp.LocalPortPolicy;

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
        int[] taken = new int[MAX_TAKEN];
        int nTaken = 0;
        try {
            while (true) {
                int port = allocator.allocate(localIp, remoteIp, remotePort);
                if (ports.isFree(localIp, port, remoteIp, remotePort)) {
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
    public void release(int localIp, int localPort, int remoteIp, int remotePort) {
        allocator.release(localPort);
    }
}
