package io.panamax.ip;

/**
 * An {@link Ipv4Output} over a point-to-point link with nothing to route: every destination has
 * the same MTU and the same source address, and the link completes TCP and UDP checksums or not
 * (one setting for both). Subclasses write only how a datagram leaves ({@code send}). The
 * in-process links of the TCP tests and benchmarks are these; the stack's {@link Ipv4} is not.
 */
public abstract class PointToPointIpv4Output implements Ipv4Output {
    private final int address;
    private int mtu;
    private boolean offload;

    protected PointToPointIpv4Output(int address, int mtu, boolean offload) {
        this.address = address;
        this.mtu = mtu;
        this.offload = offload;
    }

    /** This end's IPv4 address: the source of everything sent through it. */
    public final int address() {
        return address;
    }

    /** The link MTU from now on (a test lowering it mid-transfer). */
    public void setMtu(int mtu) {
        this.mtu = mtu;
    }

    /** Whether the link completes TCP and UDP checksums from now on (plays a NIC with TX checksum offload). */
    public void setOffload(boolean offload) {
        this.offload = offload;
    }

    @Override
    public final int mtu(int dstIp) {
        return mtu;
    }

    @Override
    public final int sourceAddressFor(int dstIp) {
        return address;
    }

    @Override
    public final boolean txTcpChecksumOffload() {
        return offload;
    }

    @Override
    public final boolean txUdpChecksumOffload() {
        return offload;
    }
}
