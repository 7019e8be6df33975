package io.panamax.nic;

/**
 * What a NIC (or the backend standing in for one) can do.
 *
 * @param maxQueues      queue pairs the device supports
 * @param rxIpChecksum   verifies IPv4 header checksums on receive (flags on the packet)
 * @param rxL4Checksum   verifies TCP/UDP checksums on receive
 * @param txIpChecksum   fills in IPv4 header checksums on transmit
 * @param txTcpChecksum  fills in TCP checksums on transmit
 * @param txUdpChecksum  fills in UDP checksums on transmit
 * @param rssHash        delivers a receive-side hash with each packet
 * @param rssKeyBytes    length of the RSS key, 0 without RSS
 * @param retaSize       entries in the RSS redirection table, 0 without RSS
 * @param tsoMaxBytes    the largest TCP super-segment (IP packet) the device cuts into MSS-sized
 *                       segments itself ({@link io.panamax.reactor.buffer.Packet#TX_TCP_SEGMENTATION},
 *                       TSO); 0 when it does not (the NIC layer then segments in software)
 * @param rxCoalesced    may deliver frames longer than the MTU: segments of one TCP flow coalesced by
 *                       the device or the kernel behind it (LRO, GRO), up to 64 KB
 */
public record NicCapabilities(
        int maxQueues,
        boolean rxIpChecksum,
        boolean rxL4Checksum,
        boolean txIpChecksum,
        boolean txTcpChecksum,
        boolean txUdpChecksum,
        boolean rssHash,
        int rssKeyBytes,
        int retaSize,
        int tsoMaxBytes,
        boolean rxCoalesced) {

    /** A device without segmentation or receive coalescing. */
    public NicCapabilities(int maxQueues, boolean rxIpChecksum, boolean rxL4Checksum, boolean txIpChecksum,
                           boolean txTcpChecksum, boolean txUdpChecksum, boolean rssHash, int rssKeyBytes, int retaSize) {
        this(maxQueues, rxIpChecksum, rxL4Checksum, txIpChecksum, txTcpChecksum, txUdpChecksum, rssHash, rssKeyBytes,
                retaSize, 0, false);
    }

    /** A device with nothing offloaded (TAP, pcap files). */
    public static NicCapabilities none(int maxQueues) {
        return new NicCapabilities(maxQueues, false, false, false, false, false, false, 0, 0);
    }

    /** Whether the device segments TCP super-segments itself. */
    public boolean tso() {
        return tsoMaxBytes > 0;
    }
}
