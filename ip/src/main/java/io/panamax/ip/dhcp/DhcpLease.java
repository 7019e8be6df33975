package io.panamax.ip.dhcp;

import io.panamax.ip.Ipv4Address;

import java.util.Arrays;

/**
 * What a DHCPACK gave the client (RFC 2131 §4.4.1, RFC 2132): the address and its subnet, the
 * default router, the interface MTU, DNS servers, and the lease's times.
 *
 * @param address        the assigned address (yiaddr)
 * @param prefixLength   from the subnet mask option; 24 when the server sent none
 * @param router         the first router of option 3, or {@link Ipv4Address#ANY}
 * @param interfaceMtu   option 26, or 0 when absent
 * @param dnsServers     option 6, possibly empty
 * @param serverId       the server that granted the lease (option 54), to which renewals are unicast
 * @param leaseSeconds   option 51; {@link DhcpMessage#INFINITE} for an infinite lease
 * @param renewalSeconds T1: option 58, or half the lease (RFC 2131 §4.4.5)
 * @param rebindingSeconds T2: option 59, or seven eighths of the lease
 */
public record DhcpLease(int address, int prefixLength, int router, int interfaceMtu, int[] dnsServers, int serverId,
                        long leaseSeconds, long renewalSeconds, long rebindingSeconds) {

    /** The prefix length a server that sends no subnet mask leaves us with (a guess: RFC 2132 §3.3 makes it advisory). */
    public static final int DEFAULT_PREFIX_LENGTH = 24;

    /**
     * The lease an ACK describes, with the RFC 2131 §4.4.5 defaults for T1 and T2 and the order
     * {@code T1 <= T2 <= lease} enforced (a server that sends them out of order gets the defaults).
     */
    public static DhcpLease fromAck(DhcpMessage ack) {
        DhcpMessage.Options o = ack.options();
        long lease = o.leaseTime() == DhcpMessage.ABSENT ? DhcpMessage.INFINITE : o.leaseTime();
        long t1 = o.renewalTime();
        long t2 = o.rebindingTime();
        if (lease != DhcpMessage.INFINITE) {
            if (t1 == DhcpMessage.ABSENT || t1 > lease) {
                t1 = lease / 2;
            }
            if (t2 == DhcpMessage.ABSENT || t2 > lease || t2 < t1) {
                t2 = Math.max(t1, lease * 7 / 8);
            }
        }
        int prefix = o.subnetMask() == 0 ? DEFAULT_PREFIX_LENGTH : prefixLength(o.subnetMask());
        int router = o.routers().length > 0 ? o.routers()[0] : Ipv4Address.ANY;
        int mtu = o.interfaceMtu() >= DhcpMessage.MIN_MTU ? o.interfaceMtu() : 0;
        return new DhcpLease(ack.yiaddr(), prefix, router, mtu, o.dnsServers().clone(), o.serverId(), lease, t1, t2);
    }

    /** The prefix length of a contiguous mask; a non-contiguous one (invalid) counts its leading ones. */
    static int prefixLength(int mask) {
        return Integer.numberOfLeadingZeros(~mask);
    }

    public boolean infinite() {
        return leaseSeconds == DhcpMessage.INFINITE;
    }

    public Ipv4Address.Prefix prefix() {
        return new Ipv4Address.Prefix(address, prefixLength);
    }

    /** The router when it is on the leased subnet (a default route must be), else {@link Ipv4Address#ANY}. */
    public int usableRouter() {
        return router != Ipv4Address.ANY && prefix().contains(router) && router != address ? router : Ipv4Address.ANY;
    }

    /**
     * The lease as text, one {@code name=value} line per field, for a file that outlives the process
     * ({@link #parse}); addresses in dotted decimal.
     */
    public String toText() {
        StringBuilder dns = new StringBuilder();
        for (int d : dnsServers) {
            dns.append(dns.isEmpty() ? "" : ",").append(Ipv4Address.toString(d));
        }
        return "address=" + Ipv4Address.toString(address) + "/" + prefixLength + "\n"
                + "router=" + Ipv4Address.toString(router) + "\n"
                + "mtu=" + interfaceMtu + "\n"
                + "dns=" + dns + "\n"
                + "server=" + Ipv4Address.toString(serverId) + "\n"
                + "lease=" + leaseSeconds + "\n"
                + "renewal=" + renewalSeconds + "\n"
                + "rebinding=" + rebindingSeconds + "\n";
    }

    /** The lease {@link #toText} wrote; IllegalArgumentException when a field is missing or malformed. */
    public static DhcpLease parse(String text) {
        java.util.Map<String, String> f = new java.util.HashMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                f.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
            }
        }
        for (String name : new String[] {"address", "router", "mtu", "dns", "server", "lease", "renewal", "rebinding"}) {
            if (!f.containsKey(name)) {
                throw new IllegalArgumentException("a DHCP lease without '" + name + "'");
            }
        }
        Ipv4Address.Prefix prefix = Ipv4Address.Prefix.parse(f.get("address"));
        String dns = f.get("dns");
        int[] servers = dns.isEmpty() ? new int[0] : Arrays.stream(dns.split(",")).mapToInt(Ipv4Address::parse).toArray();
        try {
            return new DhcpLease(prefix.address(), prefix.length(), Ipv4Address.parse(f.get("router")), Integer.parseInt(f.get("mtu")),
                    servers, Ipv4Address.parse(f.get("server")), Long.parseLong(f.get("lease")), Long.parseLong(f.get("renewal")),
                    Long.parseLong(f.get("rebinding")));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a malformed DHCP lease: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DhcpLease l && address == l.address && prefixLength == l.prefixLength && router == l.router
                && interfaceMtu == l.interfaceMtu && Arrays.equals(dnsServers, l.dnsServers) && serverId == l.serverId
                && leaseSeconds == l.leaseSeconds && renewalSeconds == l.renewalSeconds && rebindingSeconds == l.rebindingSeconds;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(new long[] {address, prefixLength, router, interfaceMtu, Arrays.hashCode(dnsServers),
                serverId, leaseSeconds, renewalSeconds, rebindingSeconds});
    }

    @Override
    public String toString() {
        StringBuilder dns = new StringBuilder();
        for (int d : dnsServers) {
            dns.append(dns.isEmpty() ? "" : ",").append(Ipv4Address.toString(d));
        }
        return prefix() + (router == Ipv4Address.ANY ? "" : " via " + Ipv4Address.toString(router))
                + (interfaceMtu == 0 ? "" : " mtu " + interfaceMtu) + (dns.isEmpty() ? "" : " dns " + dns)
                + " from " + Ipv4Address.toString(serverId)
                + (infinite() ? " (infinite)" : " lease " + leaseSeconds + " s, T1 " + renewalSeconds + " s, T2 " + rebindingSeconds + " s");
    }
}
