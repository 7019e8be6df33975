package io.panamax.tcp;

/**
 * Chooses the local port of an active open. On a multi-shard stack the stack plugs in an RSS-aware policy that picks
 * a port whose reply hashes to the calling shard; the default, {@link #sequential()}, walks the
 * ephemeral range in order and skips ports in use.
 */
@FunctionalInterface
public interface LocalPortPolicy {

    /**
     * A local port for a connection from {@code localIp} to {@code remoteIp:remotePort}, or -1 when
     * none is free. {@code ports} says which are.
     */
    int choose(int localIp, int remoteIp, int remotePort, PortUsage ports);

    /**
     * The connection that {@link #choose} gave {@code localPort} is gone for good: closed, after
     * TIME-WAIT if it went through it. A policy that keeps its own record of ports in use (the
     * RSS-aware one) frees the port here; called once per successful {@link #choose}.
     */
    default void release(int localIp, int localPort, int remoteIp, int remotePort) {
    }

    /**
     * A local port for a connection over IPv6 from {@code [localHigh:localLow]} to
     * {@code [remoteHigh:remoteLow]:remotePort} (addresses as two longs, network order), or -1 when
     * none is free. A policy with no IPv6 rule of its own takes the first free ephemeral port in
     * order: right for one shard, or when IPv6 is not steered between shards by its 4-tuple.
     */
    default int choose6(long localHigh, long localLow, long remoteHigh, long remoteLow, int remotePort, PortUsage ports) {
        for (int port = ports.ephemeralLow(); port <= ports.ephemeralHigh(); port++) {
            if (ports.isFree6(localHigh, localLow, port, remoteHigh, remoteLow, remotePort)) {
                return port;
            }
        }
        return -1;
    }

    /** {@link #release} for a port {@link #choose6} gave. */
    default void release6(long localHigh, long localLow, int localPort, long remoteHigh, long remoteLow, int remotePort) {
    }

    /** What a policy may ask of the shard's TCP. */
    interface PortUsage {
        /** The configured ephemeral range, first port. */
        int ephemeralLow();

        /** The configured ephemeral range, last port. */
        int ephemeralHigh();

        /** Whether a new connection may use this local port towards this peer: no listener on it, 4-tuple unused. */
        boolean isFree(int localIp, int localPort, int remoteIp, int remotePort);

        /** {@link #isFree} for an IPv6 4-tuple. */
        boolean isFree6(long localHigh, long localLow, int localPort, long remoteHigh, long remoteLow, int remotePort);
    }

    /** Ephemeral ports in order, wrapping around, skipping those in use (a new policy per shard). */
    static LocalPortPolicy sequential() {
        return new LocalPortPolicy() {
            private int next = -1;

            @Override
            public int choose(int localIp, int remoteIp, int remotePort, PortUsage ports) {
                return next(ports, port -> ports.isFree(localIp, port, remoteIp, remotePort));
            }

            @Override
            public int choose6(long localHigh, long localLow, long remoteHigh, long remoteLow, int remotePort, PortUsage ports) {
                return next(ports, port -> ports.isFree6(localHigh, localLow, port, remoteHigh, remoteLow, remotePort));
            }

            /** The next free port after the last one given, wrapping around; -1 when none is. */
            private int next(PortUsage ports, java.util.function.IntPredicate free) {
                int low = ports.ephemeralLow();
                int span = ports.ephemeralHigh() - low + 1;
                if (next < low || next > ports.ephemeralHigh()) {
                    next = low;
                }
                for (int i = 0; i < span; i++) {
                    int port = next;
                    next = port == ports.ephemeralHigh() ? low : port + 1;
                    if (free.test(port)) {
                        return port;
                    }
                }
                return -1;
            }
        };
    }
}
