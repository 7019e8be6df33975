package io.panamax.nic.dpdk;

import io.panamax.reactor.buffer.Packet;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ol_flags translations, against the values DPDK 22.11 defines in rte_mbuf_core.h. */
class OffloadFlagsTest {
    // rte_mbuf_core.h, DPDK 22.11
    private static final long RX_RSS_HASH = 1L << 1;
    private static final long RX_IP_CKSUM_BAD = 1L << 4;
    private static final long RX_IP_CKSUM_GOOD = 1L << 7;
    private static final long RX_L4_CKSUM_BAD = 1L << 3;
    private static final long RX_L4_CKSUM_GOOD = 1L << 8;
    private static final long TX_TCP_CKSUM = 1L << 52;
    private static final long TX_UDP_CKSUM = 3L << 52;
    private static final long TX_IP_CKSUM = 1L << 54;
    private static final long TX_IPV4 = 1L << 55;

    @Test
    void receiveVerdictsBecomePacketFlags() {
        assertEquals(0, OffloadFlags.rxFlags(0), "unknown: no verdict");
        assertEquals(Packet.RX_IP_CHECKSUM_GOOD | Packet.RX_L4_CHECKSUM_GOOD,
                OffloadFlags.rxFlags(RX_IP_CKSUM_GOOD | RX_L4_CKSUM_GOOD));
        assertEquals(Packet.RX_IP_CHECKSUM_BAD | Packet.RX_L4_CHECKSUM_BAD,
                OffloadFlags.rxFlags(RX_IP_CKSUM_BAD | RX_L4_CKSUM_BAD));
        assertEquals(Packet.RX_IP_CHECKSUM_GOOD | Packet.RX_L4_CHECKSUM_GOOD,
                OffloadFlags.rxFlags(RX_IP_CKSUM_GOOD | RX_IP_CKSUM_BAD | RX_L4_CKSUM_GOOD | RX_L4_CKSUM_BAD),
                "NONE (both bits): the data is intact, the field not filled in");
        assertTrue(OffloadFlags.hasRssHash(RX_RSS_HASH | RX_IP_CKSUM_GOOD));
        assertFalse(OffloadFlags.hasRssHash(RX_IP_CKSUM_GOOD));
    }

    @Test
    void transmitRequestsBecomeOlFlagsForWhatTheDeviceDoes() {
        OffloadFlags.Tx all = new OffloadFlags.Tx(true, true, true);
        int ipTcp = Packet.TX_IP_CHECKSUM | Packet.TX_TCP_CHECKSUM;
        assertEquals(ipTcp, all.offloaded(ipTcp));
        assertEquals(TX_IPV4 | TX_IP_CKSUM | TX_TCP_CKSUM, OffloadFlags.Tx.olFlags(ipTcp));
        assertEquals(TX_IPV4 | TX_UDP_CKSUM, OffloadFlags.Tx.olFlags(Packet.TX_UDP_CHECKSUM));
        assertEquals(0, OffloadFlags.Tx.olFlags(0));

        OffloadFlags.Tx ipOnly = new OffloadFlags.Tx(true, false, false);
        assertEquals(Packet.TX_IP_CHECKSUM, ipOnly.offloaded(ipTcp), "TCP is left to software");
        assertEquals(0, OffloadFlags.Tx.NONE.offloaded(ipTcp | Packet.TX_UDP_CHECKSUM));
        assertEquals(0, all.offloaded(Packet.RX_IP_CHECKSUM_GOOD), "receive flags are not requests");
    }
}
