package io.panamax.ip.dhcp;

import io.panamax.ethernet.Arp;
import io.panamax.ethernet.Ethernet;
import io.panamax.ethernet.EthernetConfig;
import io.panamax.ethernet.wire.ArpMessage;
import io.panamax.ethernet.wire.EtherType;
import io.panamax.stack.EthernetLinks;
import io.panamax.ip.Icmp;
import io.panamax.ip.IpProtocol;
import io.panamax.ip.Ipv4;
import io.panamax.ip.Ipv4Address;
import io.panamax.ip.Route;
import io.panamax.ip.Udp;
import io.panamax.ip.UdpSocket;
import io.panamax.nic.MacAddress;
import io.panamax.reactor.ManualClock;
import io.panamax.reactor.Reactor;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.testing.LeakCheck;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The client's state machine on a manual reactor with virtual time, over the real UDP, IPv4, ARP
 * and Ethernet layers of one shard: what it sends is decoded from the frames it emits, the server's
 * replies are real DHCP messages, and a neighbour's ARP reply is a real frame. Covers the ARP probe
 * of a new address and the DHCPDECLINE that follows a conflict (RFC 2131 §3.1.5, §4.4.1, RFC 5227
 * §2.1), and INIT-REBOOT (RFC 2131 §3.2, §4.4.2).
 */
class DhcpClientTest {
    private static final long MAC = 0x02_00_00_00_0d_02L;
    private static final long OTHER_MAC = 0x02_00_00_00_0d_99L;
    private static final int SERVER = Ipv4Address.parse("10.13.0.1");
    private static final int OFFERED = Ipv4Address.parse("10.13.0.50");
    private static final int ETHERNET = 14;
    private static final int DHCP_IN_FRAME = ETHERNET + 20 + 8;
    private static final long MS = 1_000_000L;

    private final ManualClock clock = new ManualClock();
    private final List<Packet> sent = new ArrayList<>();
    private final List<DhcpLease> bound = new ArrayList<>();
    private final List<String> lost = new ArrayList<>();
    private Reactor reactor;
    private Ethernet ethernet;
    private Arp arp;
    private DhcpClient client;

    @BeforeEach
    void setUp() {
        reactor = Reactor.builder().shards(1).manual().clock(clock).buffersPerShard(256).build().start();
        reactor.runOn(0, () -> {
            var shard = reactor.shard(0);
            ethernet = new Ethernet(EthernetConfig.of(new MacAddress(MAC)), sent::add, shard.metrics());
            arp = new Arp(shard, ethernet, 0, Arp.Config.defaults(), shard.metrics());
            ethernet.register(EtherType.ARP, arp);
            Route none = new Route(new Ipv4Address.Prefix(Ipv4Address.ANY, 0), Ipv4Address.ANY);
            Ipv4 ipv4 = new Ipv4(shard, none, EthernetLinks.ipv4(arp), 1500, Ipv4.Offloads.none(), Ipv4.Config.defaults(), shard.metrics());
            ethernet.register(EtherType.IPV4, ipv4);
            Udp udp = new Udp(shard, ipv4, new Icmp(shard, ipv4, Ipv4.Config.defaults(), shard.metrics()), shard.metrics());
            ipv4.register(IpProtocol.UDP, udp);
            UdpSocket socket = udp.bind(DhcpMessage.CLIENT_PORT);
            DhcpClient.Listener listener = new DhcpClient.Listener() {
                @Override
                public void bound(DhcpLease lease, boolean renewed) {
                    bound.add(lease);
                    arp.setLocalAddress(lease.address()); // as the stack does on every shard
                }

                @Override
                public void lost(DhcpLease lease, String why) {
                    lost.add(why);
                    arp.setLocalAddress(0);
                }
            };
            DhcpClient.AddressProbe probe = new DhcpClient.AddressProbe() {
                @Override
                public void probe(int ip) {
                    arp.probe(ip);
                }

                @Override
                public void watch(int ip) {
                    arp.watch(ip, (inUse, senderMac) -> client.addressInUse(inUse, senderMac));
                }

                @Override
                public void defend() {
                    arp.defend();
                }
            };
            arp.onOwnAddressConflict((ip, senderMac) -> client.conflictWhileBound(ip, senderMac));
            // 3 probes 100 ms apart, 10 s before starting over after a decline (the defaults).
            client = new DhcpClient(shard, socket, MAC, DhcpClient.Config.defaults(), listener, new SplittableRandom(7),
                    ipv4::neighbourKnown, probe, shard.metrics());
        });
    }

    @AfterEach
    void tearDown() {
        reactor.runOn(0, () -> {
            client.stop(0);
            arp.clear();
            sent.forEach(Packet::release);
            sent.clear();
        });
        reactor.runUntilIdle();
        LeakCheck.assertNoLeaks(reactor);
        reactor.stop();
    }

    @Test
    void aNewAddressIsProbedAndBoundWhenNobodyAnswers() {
        DhcpMessage request = acquireUntilAck();
        assertEquals(DhcpClient.State.PROBING, client.state(), "ACKed but not in use before the probes");
        assertTrue(bound.isEmpty());
        reactor.advance(Duration.ofMillis(350));
        List<byte[]> probes = arpFrames();
        assertEquals(3, probes.size(), "RFC 5227 §2.1.1: PROBE_NUM probes");
        for (byte[] p : probes) {
            MemorySegment s = MemorySegment.ofArray(p);
            assertEquals(ArpMessage.OPERATION_REQUEST, ArpMessage.operation(s, ETHERNET));
            assertEquals(0, ArpMessage.senderProtocolAddress(s, ETHERNET), "a probe's sender IP is 0.0.0.0");
            assertEquals(OFFERED, ArpMessage.targetProtocolAddress(s, ETHERNET));
            assertEquals(MAC, ArpMessage.senderHardwareAddress(s, ETHERNET));
        }
        assertEquals(DhcpClient.State.BOUND, client.state());
        assertEquals(1, bound.size());
        assertEquals(OFFERED, bound.getFirst().address());
        assertEquals(0, client.declines());
        assertEquals(DhcpMessage.DHCPREQUEST, request.options().messageType());
    }

    @Test
    void anArpReplyForTheOfferedAddressDeclinesItAndStartsOverAfterTenSeconds() {
        acquireUntilAck();
        reactor.advance(Duration.ofMillis(50));
        forgetSent(); // the DISCOVER, REQUEST and probes so far
        // The station that holds the address answers the probe (RFC 5227: sender IP = the address).
        receiveFrame(arpReply(OTHER_MAC, OFFERED, MAC, 0));
        assertEquals(1, client.declines());
        assertEquals(DhcpClient.State.INIT, client.state());
        assertTrue(bound.isEmpty(), "a declined address is never used");
        List<DhcpMessage> out = dhcpSent();
        assertEquals(1, out.size());
        DhcpMessage decline = out.getFirst();
        assertEquals(DhcpMessage.DHCPDECLINE, decline.options().messageType());
        assertEquals(OFFERED, decline.options().requestedIp(), "RFC 2131 Table 5: requested IP MUST");
        assertEquals(SERVER, decline.options().serverId(), "RFC 2131 Table 5: server identifier MUST");
        assertEquals(0, decline.ciaddr());
        assertEquals(0, decline.options().parameterRequestList().length, "RFC 2131 Table 5: MUST NOT");
        // Late probes and their replies change nothing.
        reactor.advance(Duration.ofSeconds(9));
        assertTrue(dhcpSent().size() == 1 && arpFrames().isEmpty(), "silent for the decline wait (RFC 2131 §3.1.5)");
        reactor.advance(Duration.ofMillis(1100));
        List<DhcpMessage> after = dhcpSent();
        assertEquals(2, after.size());
        assertEquals(DhcpMessage.DHCPDISCOVER, after.get(1).options().messageType(), "INIT again after 10 s");
        assertEquals(DhcpClient.State.SELECTING, client.state());
    }

    @Test
    void anotherStationsProbeForTheSameAddressIsAConflictToo() {
        acquireUntilAck();
        // RFC 5227 §2.1.1: a probe (sender IP 0) for our address from another MAC.
        receiveFrame(arpProbe(OTHER_MAC, OFFERED));
        assertEquals(1, client.declines());
        assertEquals(DhcpClient.State.INIT, client.state());
    }

    /**
     * RFC 5227 §2.4 (b): once bound, another station's ARP with our address as its sender is
     * defended with one announcement; a second within DEFEND_INTERVAL (10 s) gives the address
     * up: DHCPDECLINE to the leasing server, the lease lost, DISCOVER again after 10 s. A claim 10 s
     * or more after the last defence is defended again.
     */
    @Test
    void aBoundAddressIsDefendedOnceThenDeclinedWhenClaimedAgainWithinTenSeconds() {
        acquireUntilAck();
        reactor.advance(Duration.ofMillis(350));
        assertEquals(DhcpClient.State.BOUND, client.state());
        forgetSent();
        // Another station announces our address (a gratuitous request: sender = target = the address).
        receiveFrame(arpFrame(ArpMessage.OPERATION_REQUEST, -1L >>> 16, OTHER_MAC, OFFERED, 0, OFFERED));
        assertEquals(1, client.defences());
        List<byte[]> defence = arpFrames();
        assertEquals(1, defence.size(), "one announcement");
        MemorySegment a = MemorySegment.ofArray(defence.getFirst());
        assertEquals(OFFERED, ArpMessage.senderProtocolAddress(a, ETHERNET), "RFC 5227 2.3: sender IP = target IP = our address");
        assertEquals(OFFERED, ArpMessage.targetProtocolAddress(a, ETHERNET));
        assertEquals(MAC, ArpMessage.senderHardwareAddress(a, ETHERNET));
        assertEquals(DhcpClient.State.BOUND, client.state(), "still ours after one defence");

        // 12 s later it claims the address again: a new defence interval, defended again.
        reactor.advance(Duration.ofSeconds(12));
        receiveFrame(arpReply(OTHER_MAC, OFFERED, MAC, OFFERED));
        assertEquals(2, client.defences());
        assertEquals(DhcpClient.State.BOUND, client.state());

        // And again 3 s later: it insists, the address is given up.
        forgetSent();
        reactor.advance(Duration.ofSeconds(3));
        receiveFrame(arpReply(OTHER_MAC, OFFERED, MAC, OFFERED));
        assertEquals(2, client.defences());
        assertEquals(1, client.declines());
        assertEquals(DhcpClient.State.INIT, client.state());
        assertEquals(1, lost.size(), "the listener heard the address is lost: " + lost);
        List<DhcpMessage> out = dhcpSent();
        assertEquals(1, out.size());
        assertEquals(DhcpMessage.DHCPDECLINE, out.getFirst().options().messageType());
        assertEquals(OFFERED, out.getFirst().options().requestedIp());
        assertEquals(SERVER, out.getFirst().options().serverId());
        assertTrue(arpFrames().isEmpty(), "no announcement for an address given up");
        reactor.advance(Duration.ofSeconds(11));
        assertEquals(DhcpMessage.DHCPDISCOVER, dhcpSent().getLast().options().messageType(), "INIT again after 10 s");
    }

    @Test
    void initRebootAsksForTheRememberedAddressAndBindsOnAck() {
        DhcpLease previous = new DhcpLease(OFFERED, 24, SERVER, 0, new int[0], SERVER, 600, 300, 525);
        reactor.runOn(0, () -> client.start(previous));
        reactor.advance(Duration.ofSeconds(1));
        assertEquals(DhcpClient.State.REBOOTING, client.state());
        DhcpMessage request = dhcpSent().getLast();
        assertEquals(DhcpMessage.DHCPREQUEST, request.options().messageType());
        assertEquals(OFFERED, request.options().requestedIp(), "RFC 2131 §4.3.2 INIT-REBOOT: requested IP MUST");
        assertEquals(0, request.options().serverId(), "INIT-REBOOT: server identifier MUST NOT");
        assertEquals(0, request.ciaddr(), "INIT-REBOOT: ciaddr MUST be zero");
        receiveDhcp(reply(DhcpMessage.DHCPACK, request.xid()));
        assertEquals(DhcpClient.State.PROBING, client.state());
        reactor.advance(Duration.ofMillis(350));
        assertEquals(DhcpClient.State.BOUND, client.state());
        assertEquals(OFFERED, client.lease().address());
        assertEquals(1, client.leasesObtained());
    }

    @Test
    void initRebootNakedStartsOverWithDiscover() {
        DhcpLease previous = new DhcpLease(OFFERED, 24, SERVER, 0, new int[0], SERVER, 600, 300, 525);
        reactor.runOn(0, () -> client.start(previous));
        reactor.advance(Duration.ofSeconds(1));
        DhcpMessage request = dhcpSent().getLast();
        receiveDhcp(new DhcpMessage(DhcpMessage.OP_BOOTREPLY, request.xid(), 0, 0, 0, 0, 0, 0, MAC,
                DhcpMessage.Options.ofType(DhcpMessage.DHCPNAK).withServerId(SERVER)));
        assertEquals(1, client.naks());
        reactor.advance(Duration.ofMillis(1)); // RFC 2131 §3.2 step 3: restart at INIT, at once
        assertEquals(DhcpClient.State.SELECTING, client.state());
        assertEquals(DhcpMessage.DHCPDISCOVER, dhcpSent().getLast().options().messageType());
        assertNull(client.lease());
    }

    @Test
    void initRebootWithoutAnswerStartsOverWithDiscoverAfterTheRetries() {
        DhcpLease previous = new DhcpLease(OFFERED, 24, SERVER, 0, new int[0], SERVER, 600, 300, 525);
        reactor.runOn(0, () -> client.start(previous));
        reactor.advance(Duration.ofSeconds(1));
        // 4 requests with the §4.1 backoff (4, 8, 16 s ± 1 s, then 32 s for the last answer) before giving up.
        for (int i = 0; i < 90 && client.state() == DhcpClient.State.REBOOTING; i++) {
            reactor.advance(Duration.ofSeconds(1));
        }
        List<DhcpMessage> out = dhcpSent();
        long requests = out.stream().filter(m -> m.options().messageType() == DhcpMessage.DHCPREQUEST).count();
        assertEquals(4, requests, "Config.requestAttempts requests");
        assertEquals(DhcpClient.State.SELECTING, client.state());
        assertEquals(DhcpMessage.DHCPDISCOVER, out.getLast().options().messageType());
    }

    @Test
    void informAsksForTheParametersOfAStaticAddress() {
        int ours = Ipv4Address.parse("10.13.0.7");
        List<DhcpMessage.Options> answers = new ArrayList<>();
        List<Throwable> failures = new ArrayList<>();
        reactor.runOn(0, () -> client.inform(ours).whenComplete((o, e) -> {
            if (e == null) {
                answers.add(o);
            } else {
                failures.add(e);
            }
        }));
        assertEquals(DhcpClient.State.INFORMING, client.state());
        DhcpMessage inform = dhcpSent().getLast();
        assertEquals(DhcpMessage.DHCPINFORM, inform.options().messageType());
        assertEquals(ours, inform.ciaddr(), "RFC 2131 Table 5: ciaddr is the client's address");
        assertEquals(0, inform.options().requestedIp(), "Table 5: requested IP MUST NOT");
        assertEquals(0, inform.options().serverId(), "Table 5: server identifier MUST NOT");
        assertEquals(DhcpMessage.ABSENT, inform.options().leaseTime(), "Table 5: lease time MUST NOT");
        assertTrue(inform.options().parameterRequestList().length > 0);
        // §4.3.5: the ACK has yiaddr 0 and no lease time.
        receiveDhcp(new DhcpMessage(DhcpMessage.OP_BOOTREPLY, inform.xid(), 0, 0, ours, 0, 0, 0, MAC,
                DhcpMessage.Options.ofType(DhcpMessage.DHCPACK).withServerId(SERVER)
                        .withNetwork(0xffffff00, new int[] {SERVER}, 1400, new int[] {SERVER})));
        assertEquals(List.of(), failures);
        assertEquals(1, answers.size());
        DhcpMessage.Options got = answers.getFirst();
        assertEquals(0xffffff00, got.subnetMask());
        assertEquals(SERVER, got.routers()[0]);
        assertEquals(1400, got.interfaceMtu());
        assertEquals(DhcpClient.State.INIT, client.state());
        assertTrue(bound.isEmpty(), "an INFORM grants no lease");
    }

    @Test
    void informWithoutAnswerFailsAfterTheRetries() {
        List<Throwable> failures = new ArrayList<>();
        reactor.runOn(0, () -> client.inform(Ipv4Address.parse("10.13.0.7")).whenComplete((o, e) -> failures.add(e)));
        for (int i = 0; i < 90 && failures.isEmpty(); i++) {
            reactor.advance(Duration.ofSeconds(1));
        }
        assertEquals(1, failures.size());
        assertTrue(failures.getFirst() instanceof IllegalStateException, () -> "failed with " + failures.getFirst());
        assertEquals(4, dhcpSent().size(), "Config.requestAttempts DHCPINFORMs");
        assertEquals(DhcpClient.State.INIT, client.state());
    }

    // ---- the exchange ------------------------------------------------------------------------------

    /** DISCOVER, OFFER, REQUEST, ACK: returns the REQUEST, with the client probing. */
    private DhcpMessage acquireUntilAck() {
        reactor.runOn(0, () -> client.start());
        reactor.advance(Duration.ofSeconds(1));
        DhcpMessage discover = dhcpSent().getLast();
        assertEquals(DhcpMessage.DHCPDISCOVER, discover.options().messageType());
        receiveDhcp(reply(DhcpMessage.DHCPOFFER, discover.xid()));
        DhcpMessage request = dhcpSent().getLast();
        assertEquals(DhcpMessage.DHCPREQUEST, request.options().messageType());
        receiveDhcp(reply(DhcpMessage.DHCPACK, request.xid()));
        return request;
    }

    private static DhcpMessage reply(int type, int xid) {
        return new DhcpMessage(DhcpMessage.OP_BOOTREPLY, xid, 0, 0, 0, OFFERED, 0, 0, MAC,
                DhcpMessage.Options.ofType(type).withServerId(SERVER).withLease(600, 300, 525)
                        .withNetwork(0xffffff00, new int[] {SERVER}, 0, new int[0]));
    }

    private void receiveDhcp(DhcpMessage m) {
        reactor.runOn(0, () -> {
            Packet p = reactor.shard(0).packets().allocateWithHeadroom();
            int off = p.extend(m.length());
            m.emit(p.fragmentMemory(0), off);
            client.receive(p);
        });
        reactor.runUntilIdle();
    }

    private void receiveFrame(byte[] frame) {
        reactor.runOn(0, () -> {
            Packet p = reactor.shard(0).packets().allocateWithHeadroom();
            p.appendBytes(frame, 0, frame.length);
            ethernet.handle(p);
        });
        reactor.runUntilIdle();
    }

    private static byte[] arpReply(long senderMac, int senderIp, long targetMac, int targetIp) {
        return arpFrame(ArpMessage.OPERATION_REPLY, targetMac, senderMac, senderIp, targetMac, targetIp);
    }

    private static byte[] arpProbe(long senderMac, int targetIp) {
        return arpFrame(ArpMessage.OPERATION_REQUEST, -1L >>> 16, senderMac, 0, 0, targetIp);
    }

    private static byte[] arpFrame(int op, long dst, long senderMac, int senderIp, long targetMac, int targetIp) {
        byte[] f = new byte[ETHERNET + ArpMessage.LENGTH];
        MemorySegment s = MemorySegment.ofArray(f);
        for (int i = 0; i < 6; i++) {
            f[i] = (byte) (dst >>> (40 - 8 * i));
            f[6 + i] = (byte) (senderMac >>> (40 - 8 * i));
        }
        f[12] = (byte) (EtherType.ARP >>> 8);
        f[13] = (byte) EtherType.ARP;
        ArpMessage.write(s, ETHERNET, op, senderMac, senderIp, targetMac, targetIp);
        return f;
    }

    private void forgetSent() {
        reactor.runOn(0, () -> {
            sent.forEach(Packet::release);
            sent.clear();
        });
    }

    private List<byte[]> frames() {
        List<byte[]> out = new ArrayList<>();
        reactor.runOn(0, () -> {
            for (Packet p : sent) {
                byte[] b = new byte[p.length()];
                p.copyTo(0, b, 0, b.length);
                out.add(b);
            }
        });
        return out;
    }

    private List<byte[]> arpFrames() {
        return frames().stream().filter(f -> ((f[12] & 0xff) << 8 | (f[13] & 0xff)) == EtherType.ARP).toList();
    }

    private List<DhcpMessage> dhcpSent() {
        List<DhcpMessage> out = new ArrayList<>();
        for (byte[] f : frames()) {
            if (((f[12] & 0xff) << 8 | (f[13] & 0xff)) == EtherType.IPV4) {
                DhcpMessage.Parsed parsed = DhcpMessage.parse(MemorySegment.ofArray(f), DHCP_IN_FRAME, f.length - DHCP_IN_FRAME);
                assertTrue(parsed.ok(), () -> "the client sent an undecodable DHCP message: " + parsed.problem());
                out.add(parsed.message());
            }
        }
        return out;
    }
}
