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
        int retaSize) {

    /** A device with nothing offloaded (TAP, pcap files). */
    public static NicCapabilities none(int maxQueues) {
        return new NicCapabilities(maxQueues, false, false, false, false, false, false, 0, 0);
    }
}
