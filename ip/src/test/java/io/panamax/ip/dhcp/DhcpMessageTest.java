package io.panamax.ip.dhcp;

import io.panamax.ip.Ipv4Address;
import io.panamax.nic.pcap.Pcap4jFrames;
import io.panamax.nic.pcap.Tshark;
import io.panamax.reactor.testing.SharedData;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link DhcpMessage} against tshark on every DHCPv4 frame of the shared captures, a round trip of
 * every option it writes, and the problems it names for broken bytes (never an exception).
 */
class DhcpMessageTest {
    /** The shared captures that carry DHCPv4 (pcaps-v6/MANIFEST.tsv, protocols "dhcp"). */
    private static final List<String> CAPTURES = List.of("cs-dhcp_inlease_renewal.pcapng",
            "cs-dhcp_nolease_initialization.pcapng", "sv-dhcp-option-52-overload.pcap", "td-dhcp-option-108.pcapng",
            "td-dhcpv4v6-rfc5970-rfc8572.pcap", "zeek-dhcp-dhcp.pcap", "zeek-dhcp-dhcp_time_and_nameserver.pcap");

    private static final int UDP_PAYLOAD = 14 + 20 + 8;

    @Test
    void agreesWithTsharkOnEveryDhcpFrameOfTheSharedCaptures() {
        Tshark.require();
        int checked = 0;
        for (String name : CAPTURES) {
            Path file = SharedData.file("pcaps-v6/" + name);
            List<Pcap4jFrames.Frame> frames = Pcap4jFrames.read(file);
            List<Map<String, String>> rows = Tshark.fieldRows(file, List.of(), "dhcp.type", "dhcp.id", "dhcp.ip.your",
                    "dhcp.ip.client", "dhcp.hw.mac_addr", "dhcp.option.dhcp", "dhcp.option.dhcp_server_id",
                    "dhcp.option.ip_address_lease_time", "dhcp.option.subnet_mask", "dhcp.option.router",
                    "dhcp.option.requested_ip_address", "dhcp.option.domain_name_server", "ip.hdr_len", "dhcp.flags.bc");
            for (int i = 0; i < frames.size(); i++) {
                Map<String, String> t = new java.util.HashMap<>(rows.get(i));
                // DHCPv4 over DHCPv6 (RFC 7341) frames carry the message inside DHCPv6: not a UDP payload here.
                if (t.get("dhcp.type").isEmpty() || t.get("ip.hdr_len").isEmpty()) {
                    continue;
                }
                // Fields that occur more than once (option 61 holds a MAC too): the first occurrence.
                for (String k : List.of("dhcp.type", "dhcp.id", "dhcp.ip.your", "dhcp.ip.client", "dhcp.hw.mac_addr", "dhcp.flags.bc")) {
                    t.put(k, t.get(k).split(",")[0]);
                }
                byte[] f = frames.get(i).data();
                int at = UDP_PAYLOAD + (Integer.parseInt(t.get("ip.hdr_len").split(",")[0]) - 20);
                DhcpMessage.Parsed p = DhcpMessage.parse(MemorySegment.ofArray(f), at, f.length - at);
                String where = name + " frame " + (i + 1);
                assertTrue(p.ok(), where + ": " + p.problem());
                DhcpMessage m = p.message();
                assertEquals(Integer.parseInt(t.get("dhcp.type")), m.op(), where);
                assertEquals((int) Long.parseLong(t.get("dhcp.id").substring(2), 16), m.xid(), where);
                assertEquals(t.get("dhcp.ip.your"), Ipv4Address.toString(m.yiaddr()), where);
                assertEquals(t.get("dhcp.ip.client"), Ipv4Address.toString(m.ciaddr()), where);
                assertEquals(Tshark.mac(t.get("dhcp.hw.mac_addr")), m.chaddr(), where);
                assertEquals(Integer.parseInt(t.get("dhcp.option.dhcp").split(",")[0]), m.options().messageType(), where);
                assertEquals(t.get("dhcp.flags.bc").equals("1") || t.get("dhcp.flags.bc").equals("True"),
                        (m.flags() & DhcpMessage.FLAG_BROADCAST) != 0, where);
                assertAddress(t.get("dhcp.option.dhcp_server_id"), m.options().serverId(), where + " server id");
                assertAddress(t.get("dhcp.option.subnet_mask"), m.options().subnetMask(), where + " mask");
                assertAddress(t.get("dhcp.option.requested_ip_address"), m.options().requestedIp(), where + " requested");
                assertAddresses(t.get("dhcp.option.router"), m.options().routers(), where + " routers");
                assertAddresses(t.get("dhcp.option.domain_name_server"), m.options().dnsServers(), where + " dns");
                String lease = t.get("dhcp.option.ip_address_lease_time");
                assertEquals(lease.isEmpty() ? DhcpMessage.ABSENT : Long.parseLong(lease.split(",")[0]),
                        m.options().leaseTime(), where + " lease");
                checked++;
            }
        }
        assertTrue(checked >= 30, "DHCP frames compared: " + checked);
    }

    private static void assertAddress(String tshark, int ours, String where) {
        assertEquals(tshark.isEmpty() ? "0.0.0.0" : tshark.split(",")[0], Ipv4Address.toString(ours), where);
    }

    private static void assertAddresses(String tshark, int[] ours, String where) {
        StringBuilder b = new StringBuilder();
        for (int a : ours) {
            b.append(b.isEmpty() ? "" : ",").append(Ipv4Address.toString(a));
        }
        assertEquals(tshark, b.toString(), where);
    }

    @Test
    void everyOptionRoundTrips() {
        DhcpMessage.Options o = DhcpMessage.Options.ofType(DhcpMessage.DHCPACK)
                .withServerId(Ipv4Address.parse("10.7.0.1"))
                .withRequestedIp(Ipv4Address.parse("10.7.0.9"))
                .withLease(600, 300, 525)
                .withNetwork(Ipv4Address.mask(24), new int[] {Ipv4Address.parse("10.7.0.1"), Ipv4Address.parse("10.7.0.254")},
                        1400, new int[] {Ipv4Address.parse("9.9.9.9")})
                .withParameterRequestList(new byte[] {1, 3, 6, 26})
                .withClientId(new byte[] {1, 2, 0, 0, 0, 0, 9});
        DhcpMessage m = new DhcpMessage(DhcpMessage.OP_BOOTREPLY, 0x12345678, 7, DhcpMessage.FLAG_BROADCAST,
                0, Ipv4Address.parse("10.7.0.9"), 0, 0, 0x02_00_00_00_00_09L, o);
        byte[] b = new byte[m.length()];
        assertEquals(b.length, m.emit(MemorySegment.ofArray(b), 0));
        DhcpMessage.Parsed p = DhcpMessage.parse(MemorySegment.ofArray(b), 0, b.length);
        assertTrue(p.ok(), p.problem().toString());
        assertEquals(m, p.message());
        assertEquals(DhcpMessage.MIN_SENT_LENGTH, new DhcpMessage(1, 1, 0, 0, 0, 0, 0, 0, 1, DhcpMessage.Options.ofType(1)).length(),
                "short messages are padded to 300 bytes (BOOTP relays)");
    }

    /** A lease kept in a file ({@code DhcpLease.toText}) reads back equal; a file missing a field is refused by name. */
    @Test
    void aLeaseRoundTripsThroughItsText() {
        DhcpLease lease = new DhcpLease(Ipv4Address.parse("10.7.0.55"), 24, Ipv4Address.parse("10.7.0.1"), 1400,
                new int[] {Ipv4Address.parse("9.9.9.9"), Ipv4Address.parse("1.1.1.1")}, Ipv4Address.parse("10.7.0.1"), 600, 300, 525);
        assertEquals(lease, DhcpLease.parse(lease.toText()));
        DhcpLease bare = new DhcpLease(Ipv4Address.parse("192.168.1.9"), 16, Ipv4Address.ANY, 0, new int[0], 0,
                DhcpMessage.INFINITE, DhcpMessage.INFINITE, DhcpMessage.INFINITE);
        assertEquals(bare, DhcpLease.parse(bare.toText()));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> DhcpLease.parse(lease.toText().replace("server=10.7.0.1\n", "")));
        assertTrue(e.getMessage().contains("'server'"), e.getMessage());
    }

    @Test
    void brokenBytesNameTheirProblem() {
        DhcpMessage m = new DhcpMessage(DhcpMessage.OP_BOOTREQUEST, 1, 0, 0, 0, 0, 0, 0, 0x020000000001L,
                DhcpMessage.Options.ofType(DhcpMessage.DHCPDISCOVER).withLease(60, DhcpMessage.ABSENT, DhcpMessage.ABSENT));
        byte[] good = new byte[m.length()];
        m.emit(MemorySegment.ofArray(good), 0);
        // Every truncation: a problem or (past the options) the same message; never an exception.
        for (int n = 0; n <= good.length; n++) {
            DhcpMessage.Parsed p = DhcpMessage.parse(MemorySegment.ofArray(good), 0, n);
            assertNotNull(p.problem());
            if (n < DhcpMessage.FIXED_LENGTH) {
                assertEquals(DhcpMessage.Problem.TRUNCATED, p.problem());
            }
        }
        assertEquals(DhcpMessage.Problem.BAD_OP, parseModified(good, 0, 3));
        assertEquals(DhcpMessage.Problem.UNSUPPORTED_HARDWARE, parseModified(good, 2, 16));
        assertEquals(DhcpMessage.Problem.BAD_MAGIC_COOKIE, parseModified(good, 236, 0));
        // Message type option with length 2.
        assertEquals(DhcpMessage.Problem.BAD_OPTION_LENGTH, parseModified(good, 241, 2));
        // Lease time option (after the 3-byte type option) runs past the end: length 255.
        assertEquals(DhcpMessage.Problem.BAD_OPTION_LENGTH, parseModified(good, 244, 255));
        // Message type 9 does not exist.
        assertEquals(DhcpMessage.Problem.BAD_MESSAGE_TYPE, parseModified(good, 242, 9));
        // No message type at all: the option becomes PADs.
        byte[] noType = good.clone();
        noType[240] = 0;
        noType[241] = 0;
        noType[242] = 0;
        assertEquals(DhcpMessage.Problem.BAD_MESSAGE_TYPE, DhcpMessage.parse(MemorySegment.ofArray(noType), 0, noType.length).problem());
    }

    private static DhcpMessage.Problem parseModified(byte[] good, int index, int value) {
        byte[] b = good.clone();
        b[index] = (byte) value;
        return DhcpMessage.parse(MemorySegment.ofArray(b), 0, b.length).problem();
    }

    @Test
    void leaseDefaultsFollowRfc2131() {
        DhcpMessage ack = new DhcpMessage(DhcpMessage.OP_BOOTREPLY, 1, 0, 0, 0, Ipv4Address.parse("10.7.0.9"), 0, 0, 1,
                DhcpMessage.Options.ofType(DhcpMessage.DHCPACK).withServerId(Ipv4Address.parse("10.7.0.1"))
                        .withLease(800, DhcpMessage.ABSENT, 900)
                        .withNetwork(Ipv4Address.mask(20), new int[] {Ipv4Address.parse("10.7.0.1")}, 40, null));
        DhcpLease l = DhcpLease.fromAck(ack);
        assertEquals(400, l.renewalSeconds(), "T1 = lease / 2");
        assertEquals(700, l.rebindingSeconds(), "a T2 beyond the lease becomes 7/8 of it");
        assertEquals(20, l.prefixLength());
        assertEquals(0, l.interfaceMtu(), "an MTU below 68 is ignored (RFC 2132 5.1)");
        assertEquals(Ipv4Address.parse("10.7.0.1"), l.usableRouter());
        assertArrayEquals(new int[0], l.dnsServers());
    }
}
