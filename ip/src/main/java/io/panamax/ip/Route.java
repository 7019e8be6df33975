package io.panamax.ip;

/**
 * The IPv4 routing of a host with one interface (RFC 1122 3.3.1): destinations on the interface's
 * subnet are reached directly; everything else goes through the default gateway, if there is one.
 * Immutable, so every shard shares the same instance.
 */
public final class Route {
    /** What {@link #nextHop} returns when a destination cannot be reached. */
    public static final int UNREACHABLE = 0;

    private final Ipv4Address.Prefix interfaceAddress;
    private final int gateway;

    /**
     * @param interfaceAddress the stack's address and subnet, e.g. 10.7.0.2/24
     * @param gateway          the default gateway, or {@link Ipv4Address#ANY} for none; it must be on the subnet
     */
    public Route(Ipv4Address.Prefix interfaceAddress, int gateway) {
        if (gateway != Ipv4Address.ANY && !interfaceAddress.contains(gateway)) {
            throw new IllegalArgumentException("gateway " + Ipv4Address.toString(gateway)
                    + " is not on the subnet " + interfaceAddress);
        }
        this.interfaceAddress = interfaceAddress;
        this.gateway = gateway;
    }

    public Ipv4Address.Prefix interfaceAddress() {
        return interfaceAddress;
    }

    public int localAddress() {
        return interfaceAddress.address();
    }

    public int gateway() {
        return gateway;
    }

    /**
     * The neighbour a datagram for {@code dst} is handed to, or {@link #UNREACHABLE}. The limited
     * broadcast and the subnet's broadcast go out as link broadcasts: the caller checks
     * {@link #isBroadcast} first.
     */
    public int nextHop(int dst) {
        if (interfaceAddress.contains(dst)) {
            return dst;
        }
        return gateway;
    }

    /** The limited broadcast 255.255.255.255 or the directed broadcast of the subnet. */
    public boolean isBroadcast(int dst) {
        return dst == Ipv4Address.BROADCAST || (interfaceAddress.length() < 31 && dst == interfaceAddress.broadcast());
    }

    /** Whether a datagram to {@code dst} is for this host (unicast to us, or a broadcast we accept). */
    public boolean isLocal(int dst) {
        return dst == interfaceAddress.address() || isBroadcast(dst);
    }

    @Override
    public String toString() {
        return interfaceAddress + (gateway == Ipv4Address.ANY ? "" : " via " + Ipv4Address.toString(gateway));
    }
}
