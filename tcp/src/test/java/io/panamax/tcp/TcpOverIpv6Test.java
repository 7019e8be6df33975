package io.panamax.tcp;

import io.panamax.ip.IcmpError;
import io.panamax.ip.IpProtocol;
import io.panamax.ip.Ipv4Address;
import io.panamax.ip.Ipv6Address;
import io.panamax.ip.Ipv6Output;
import io.panamax.ip.PointToPointIpv4Output;
import io.panamax.ip.wire.Ipv4Header;
import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.ManualClock;
import io.panamax.reactor.Reactor;
import io.panamax.reactor.Shard;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.testing.LeakCheck;
import io.panamax.tcp.script.RecordingIpv4Output;
import io.panamax.tcp.wire.TcpChecksum;
import io.panamax.tcp.wire.TcpHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * TCP over IPv6 in the engine alone: two {@link Tcp}s on one manual shard joined by an IPv6 link
 * that hands each segment to the other's {@code receive6} (as the IPv6 layer would, checksums
 * verified for real). The handshake, data and close; listeners for one family or both; SYN cookies
 * over 128-bit addresses; a packet too big lowering an established connection's MSS; segments
 * from a multicast source or with a bad checksum dropped and counted. The stack-to-stack and
 * kernel tests (stack module) run the same over the real layers.
 */
class TcpOverIpv6Test {
    static final String CLIENT = "fd00:6::1";
    static final String SERVER = "fd00:6::2";
    static final String CLIENT4 = "10.6.0.1";
    static final String SERVER4 = "10.6.0.2";
    static final Duration T = Duration.ofSeconds(30);

    private Reactor reactor;
    private Link clientLink;
    private Link serverLink;
    private Tcp client;
    private Tcp server;

    /**
     * One direction of the link, IPv6 and IPv4: what the owning TCP sends arrives at {@code peer},
     * in order, from a task on the shard. Segments wait in a ring that grows only when full, and
     * one task object delivers them, so the link allocates nothing per segment (see the allocation
     * test, which compares the two families over it).
     */
    static final class Link extends PointToPointIpv4Output implements Ipv6Output {
        final Shard shard;
        final long high;
        final long low;
        Tcp peer;
        boolean drop;
        int sent;
        /** Segments TCP sent ECT(0) (RFC 3168); with {@link #markCe} they arrive with CE, as after a marking router. */
        int ect0;
        boolean markCe;
        /** Segments waiting for delivery with their addresses: TCP's own deferred queue. */
        private final Tcp.DeferredQueue queued = new Tcp.DeferredQueue();
        private boolean scheduled;
        private final Runnable deliver = this::deliver;

        Link(Shard shard, String address) {
            this(shard, address, "0.0.0.0");
        }

        Link(Shard shard, String address, String ipv4) {
            super(Ipv4Address.parse(ipv4), 1500, false);
            this.shard = shard;
            long[] a = Ipv6Address.parse(address);
            this.high = a[0];
            this.low = a[1];
        }

        /** IPv4 passes its addresses in the first two. */
        private void enqueue(boolean v6, long srcHigh, long srcLow, long dstHigh, long dstLow, Packet segment) {
            queued.add(v6, srcHigh, srcLow, dstHigh, dstLow, segment);
            if (!scheduled) {
                scheduled = true;
                shard.schedule(deliver);
            }
        }

        private void deliver() {
            scheduled = false;
            for (int n = queued.count(); n > 0; n--) {
                long a = queued.a();
                long b = queued.b();
                long c = queued.c();
                long d = queued.d();
                boolean v6 = queued.ipv6();
                Packet p = queued.take();
                if (v6) {
                    peer.receive6(a, b, c, d, p);
                } else {
                    peer.receive((int) a, (int) b, p);
                }
            }
        }

        @Override
        public boolean send(long srcHigh, long srcLow, long dstHigh, long dstLow, int protocol, Packet segment) {
            assertEquals(IpProtocol.TCP, protocol);
            // Checked with an if: a message string, or a lambda for it, would be an allocation per segment.
            if (segment.length() + 40 > mtu(0)) {
                fail("a segment of " + segment.length() + " bytes over an MTU of " + mtu(0));
            }
            assertTrue(TcpChecksum.verifies6(srcHigh, srcLow, dstHigh, dstLow, segment), "checksum over the IPv6 pseudo-header");
            sent++;
            if (drop) {
                segment.release();
                return true;
            }
            enqueue(true, srcHigh, srcLow, dstHigh, dstLow, segment);
            return true;
        }

        @Override
        public boolean send(long srcHigh, long srcLow, long dstHigh, long dstLow, int protocol, Packet segment, int ecn) {
            if (ecn == Ipv4Header.ECN_ECT0) {
                ect0++;
                if (markCe) {
                    segment.addFlags(Packet.RX_ECN_CE);
                }
            }
            return send(srcHigh, srcLow, dstHigh, dstLow, protocol, segment);
        }

        @Override
        public boolean send(int srcIp, int dstIp, int protocol, Packet segment, boolean dontFragment) {
            assertEquals(IpProtocol.TCP, protocol);
            assertTrue(TcpChecksum.verifies(srcIp, dstIp, segment), "checksum over the IPv4 pseudo-header");
            enqueue(false, srcIp, dstIp, 0, 0, segment);
            return true;
        }

        @Override
        public int pathMtu(long dstHigh, long dstLow) {
            return mtu(0);
        }

        @Override
        public long sourceHighFor(long dstHigh) {
            return high;
        }

        @Override
        public long sourceLowFor(long dstHigh) {
            return low;
        }
    }

    private void start(TcpConfig config) {
        reactor = Reactor.builder().shards(1).manual().clock(new ManualClock()).buffersPerShard(4096).build().start();
        reactor.runOn(0, () -> {
            Shard shard = reactor.shard(0);
            clientLink = new Link(shard, CLIENT, CLIENT4);
            serverLink = new Link(shard, SERVER, SERVER4);
            client = new Tcp(shard, clientLink, config);
            server = new Tcp(shard, serverLink, config);
            clientLink.peer = server;
            serverLink.peer = client;
            client.attachIpv6(clientLink);
            server.attachIpv6(serverLink);
        });
    }

    @AfterEach
    void stop() {
        if (reactor == null) {
            return;
        }
        reactor.runOn(0, () -> {
            client.shutdown();
            server.shutdown();
        });
        reactor.runUntilIdle();
        try {
            LeakCheck.assertNoLeaks(reactor);
        } finally {
            reactor.close();
        }
    }

    private <T> T await(CompletableFuture<T> f) {
        return reactor.await(f, T);
    }

    /** Connects to {@code port}, sends {@code text}, half-closes, and reads the reply to the end. */
    private ShardFuture<String> exchange(InetSocketAddress to, String text) {
        return client.connect(to).then(conn -> conn.write(text.getBytes(StandardCharsets.US_ASCII))
                .then(v -> conn.shutdownOutput())
                .then(v -> readAll(conn, new StringBuilder())));
    }

    private static ShardFuture<String> readAll(TcpConnection conn, StringBuilder into) {
        return conn.read().then(data -> {
            boolean end = data.isEmpty();
            into.append(data.toString(StandardCharsets.US_ASCII));
            data.release();
            return end ? conn.close().map(v -> into.toString()) : readAll(conn, into);
        });
    }

    @Test
    void handshakeDataAndCloseThroughADualStackListener() throws Exception {
        start(TcpConfig.defaults());
        CompletableFuture<String> accepted = new CompletableFuture<>();
        await(reactor.submit(0, () -> {
            server.listen(7, conn -> {
                accepted.complete(conn.isIpv6() + " " + conn.localAddress() + " " + conn.remoteAddress() + " mss " + conn.maxSegmentSize());
                StandardServices.echo(conn);
            });
            return ShardFuture.done();
        }));
        InetSocketAddress to = new InetSocketAddress(InetAddress.getByName(SERVER), 7);
        assertEquals("hello over IPv6", await(reactor.submit(0, () -> exchange(to, "hello over IPv6"))));
        // RFC 8200 8.3: MSS = MTU - 60; timestamps take 12 of it.
        String got = accepted.get();
        String client6 = new InetSocketAddress(InetAddress.getByName(CLIENT), 1).toString();
        assertTrue(got.startsWith("true " + to + " " + client6.substring(0, client6.length() - 1)), got);
        assertTrue(got.endsWith(" mss " + (1500 - 60 - 12)), got);
        assertEquals(0, server.counters().drops(DropReason.BAD_CHECKSUM));
    }

    @Test
    void ecnOverIpv6SendsDataEct0AndEchoesCe() throws Exception {
        start(TcpConfig.builder().ecn(true).build());
        await(reactor.submit(0, () -> {
            server.listen(7, StandardServices::echo);
            clientLink.markCe = true;
            return ShardFuture.done();
        }));
        InetSocketAddress to = new InetSocketAddress(InetAddress.getByName(SERVER), 7);
        assertEquals("congested", await(reactor.submit(0, () -> exchange(to, "congested"))));
        // RFC 3168 6.1.1 both ends; 6.1.2 data ECT(0) both ways; 6.1.3 the server saw CE and
        // echoed it; the client reduced its window for the ECE.
        TcpCounters c = server.counters();
        assertEquals(2, c.ecnConnections.get(), "both ends negotiated ECN");
        assertTrue(clientLink.ect0 > 0 && serverLink.ect0 > 0, "ECT(0) data both ways: " + clientLink.ect0 + ", " + serverLink.ect0);
        assertTrue(c.ecnCeReceived.get() > 0, "CE arrived");
        assertTrue(c.ecnReductions.get() > 0, "the ECN-Echo reduced the client's window");
    }

    @Test
    void aListenerForOneFamilyLeavesTheOtherPortFree() throws Exception {
        start(TcpConfig.defaults());
        InetSocketAddress to = new InetSocketAddress(InetAddress.getByName(SERVER), 8);
        await(reactor.submit(0, () -> {
            server.listen(StandardProtocolFamily.INET, 8, StandardServices::echo);
            return ShardFuture.done();
        }));
        // IPv4 only: an IPv6 SYN to port 8 finds no listener and is answered with a RST.
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> await(reactor.submit(0, () -> exchange(to, "x"))));
        assertInstanceOf(ConnectionRefusedException.class, refused.getCause(), refused.toString());
        await(reactor.submit(0, () -> {
            server.listen(StandardProtocolFamily.INET6, 8, StandardServices::echo);
            assertThrows(IllegalStateException.class, () -> server.listen(8, StandardServices::echo), "both families are taken");
            server.listen(new InetSocketAddress(9), StandardServices::echo);
            assertThrows(IllegalStateException.class, () -> server.listen(StandardProtocolFamily.INET6, 9, StandardServices::echo),
                    "a wildcard listens for both families, as a Java ServerSocket");
            assertThrows(IllegalStateException.class, () -> server.listen(StandardProtocolFamily.INET, 9, StandardServices::echo));
            assertThrows(IllegalArgumentException.class, () -> server.listen(new InetSocketAddress(SERVER, 10), StandardServices::echo));
            return ShardFuture.done();
        }));
        assertEquals("now it answers", await(reactor.submit(0, () -> exchange(to, "now it answers"))));
        assertEquals("and on *:9", await(reactor.submit(0, () -> exchange(new InetSocketAddress(to.getAddress(), 9), "and on *:9"))));
    }

    /** A socket bound to a port, then connected (Netty's {@code bind} then {@code connect}): over IPv6 too. */
    @Test
    void anActiveOpenFromAChosenLocalPort() throws Exception {
        start(TcpConfig.defaults());
        CompletableFuture<InetSocketAddress> peer = new CompletableFuture<>();
        await(reactor.submit(0, () -> {
            server.listen(7, conn -> {
                peer.complete(conn.remoteAddress());
                StandardServices.echo(conn);
            });
            return ShardFuture.done();
        }));
        InetAddress to = InetAddress.getByName(SERVER);
        String reply = await(reactor.submit(0, () -> client.connect(to, 7, 40_123).then(conn -> {
            // A second open from the same port towards the same peer is refused, naming the port.
            ShardFuture<TcpConnection> again = client.connect(to, 7, 40_123);
            assertTrue(again.isFailed() && again.cause().getMessage().contains("local port 40123 is in use"), String.valueOf(again.cause()));
            return conn.write("bound then connected".getBytes(StandardCharsets.US_ASCII))
                    .then(v -> conn.shutdownOutput())
                    .then(v -> readAll(conn, new StringBuilder()));
        })));
        assertEquals("bound then connected", reply);
        assertEquals(new InetSocketAddress(InetAddress.getByName(CLIENT), 40_123), peer.get());
    }

    @Test
    void synCookiesOverIpv6() throws Exception {
        start(TcpConfig.builder().synCookies(SynCookieMode.ALWAYS).build());
        await(reactor.submit(0, () -> {
            server.listen(7, StandardServices::echo);
            return ShardFuture.done();
        }));
        InetSocketAddress to = new InetSocketAddress(InetAddress.getByName(SERVER), 7);
        assertEquals("a cookie for 128 bits", await(reactor.submit(0, () -> exchange(to, "a cookie for 128 bits"))));
        assertEquals(1, server.counters().synCookiesSent.get());
        assertEquals(1, server.counters().synCookiesValid.get());
    }

    @Test
    void packetTooBigLowersTheMssOfAConnection() throws Exception {
        start(TcpConfig.defaults());
        await(reactor.submit(0, () -> {
            server.listen(7, StandardServices::discard);
            return ShardFuture.done();
        }));
        InetSocketAddress to = new InetSocketAddress(InetAddress.getByName(SERVER), 7);
        TcpConnection conn = await(reactor.submit(0, () -> client.connect(to)));
        assertEquals(1500 - 60 - 12, conn.maxSegmentSize());
        long[] c = Ipv6Address.parse(CLIENT);
        long[] s = Ipv6Address.parse(SERVER);
        reactor.runOn(0, () -> {
            // Data in flight that the path loses, and the router's packet too big about its first segment.
            clientLink.drop = true;
            conn.write(new byte[20_000]);
        });
        reactor.runUntilIdle();
        reactor.runOn(0, () -> {
            Tcb t = (Tcb) conn;
            assertTrue(t.snd.sndMax != t.snd.sndUna, "data in flight");
            clientLink.setMtu(1280);   // the IPv6 layer lowers the path MTU before it tells TCP (RFC 8201)
            Packet quoted = reactor.shard(0).packets().allocate();
            byte[] header = new byte[40 + 20];
            quoted.appendBytes(header, 0, header.length);
            quoted.setI32(0, 6 << 28);
            quoted.setU16(4, 1440);
            quoted.setU8(6, IpProtocol.TCP);
            quoted.setU8(7, 64);
            for (int i = 0; i < 2; i++) {
                quoted.setI32(8 + 4 * i, (int) (c[0] >>> (32 - 32 * i)));
                quoted.setI32(16 + 4 * i, (int) (c[1] >>> (32 - 32 * i)));
                quoted.setI32(24 + 4 * i, (int) (s[0] >>> (32 - 32 * i)));
                quoted.setI32(32 + 4 * i, (int) (s[1] >>> (32 - 32 * i)));
            }
            quoted.setU16(40, conn.localPort());
            quoted.setU16(42, 7);
            quoted.setI32(44, t.snd.sndUna);
            client.icmpv6Error(new IcmpError().fromIpv6(2, 0, 1280, quoted));
            quoted.release();
            assertEquals(1280 - 60 - 12, conn.maxSegmentSize(), "MSS from the reported MTU");
            clientLink.drop = false;
        });
        // The retransmissions fit the new MTU (the link asserts it) and everything arrives.
        await(reactor.submit(0, () -> conn.close()));
        assertTrue(client.counters().pmtuUpdates.get() >= 1);
    }

    @Test
    void multicastSourcesAndBadChecksumsAreCountedDrops() throws Exception {
        start(TcpConfig.defaults());
        long[] s = Ipv6Address.parse(SERVER);
        reactor.runOn(0, () -> {
            server.listen(7, StandardServices::echo);
            long[][] sources = {{Ipv6Address.ALL_NODES_HIGH, Ipv6Address.ALL_NODES_LOW}, Ipv6Address.parse(CLIENT)};
            for (long[] src : sources) {
                Packet syn = reactor.shard(0).packets().allocateWithHeadroom();
                syn.appendBytes(new byte[TcpHeader.MIN_LENGTH], 0, TcpHeader.MIN_LENGTH);
                syn.setU16(0, 40000);
                syn.setU16(2, 7);
                syn.setU8(12, 5 << 4);
                syn.setU8(13, TcpHeader.SYN);
                syn.setU16(14, 65535);
                TcpChecksum.fill6(src[0], src[1], s[0], s[1], syn);
                if (src != sources[0]) {
                    syn.setU16(TcpHeader.CHECKSUM, syn.getU16(TcpHeader.CHECKSUM) ^ 0x0100);
                }
                server.receive6(src[0], src[1], s[0], s[1], syn);
            }
            assertEquals(1, server.counters().drops(DropReason.BAD_ADDRESS), "from ff02::1");
            assertEquals(1, server.counters().drops(DropReason.BAD_CHECKSUM), "checksum over the IPv6 pseudo-header");
            assertEquals(0, serverLink.sent, "neither answered");
        });
    }

    /**
     * IPv6 adds no allocation per segment to the data path: after a warm-up, 16 MB from client to
     * server over each family (both TCPs and the link on this thread) cost the same heap per
     * segment, within 4 bytes (19.6 and 18.8 when written). What both cost comes from the application's side (the futures of
     * the writes, the read chains of the discard server), not from IPv4 or IPv6.
     */
    @Test
    void ipv6AddsNoAllocationPerSegment() throws Exception {
        start(TcpConfig.defaults());
        await(reactor.submit(0, () -> {
            server.listen(7, StandardServices::discard);
            return ShardFuture.done();
        }));
        // Twice each, alternating: the first runs also pay for warming up.
        heapBytesPerSegment(new InetSocketAddress(InetAddress.getByName(SERVER4), 7));
        heapBytesPerSegment(new InetSocketAddress(InetAddress.getByName(SERVER), 7));
        double v4 = heapBytesPerSegment(new InetSocketAddress(InetAddress.getByName(SERVER4), 7));
        double v6 = heapBytesPerSegment(new InetSocketAddress(InetAddress.getByName(SERVER), 7));
        System.out.printf("heap bytes per segment received, with the application's: IPv4 %.2f, IPv6 %.2f%n", v4, v6);
        // One object (16 bytes at least) per segment would add 16; a quarter of that allows for noise.
        assertTrue(v6 <= v4 + 4, "IPv6 " + v6 + " heap bytes per segment, IPv4 " + v4);
    }

    private double heapBytesPerSegment(InetSocketAddress to) {
        TcpConnection conn = await(reactor.submit(0, () -> client.connect(to)));
        byte[] megabyte = new byte[1 << 20];
        for (int i = 0; i < 4; i++) {
            await(reactor.submit(0, () -> conn.write(megabyte)));
        }
        reactor.runUntilIdle();
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long segmentsBefore = server.counters().segmentsIn.get();
        long bytesBefore = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 16; i++) {
            await(reactor.submit(0, () -> conn.write(megabyte)));
        }
        reactor.runUntilIdle();
        long allocated = threads.getCurrentThreadAllocatedBytes() - bytesBefore;
        long segments = server.counters().segmentsIn.get() - segmentsBefore;
        assertTrue(segments > 16 * (1 << 20) / 1460, "segments received: " + segments);
        await(reactor.submit(0, () -> conn.close()));
        return (double) allocated / segments;
    }

    @Test
    void withoutIpv6AConnectFailsAsUnreachable() throws Exception {
        reactor = Reactor.builder().shards(1).manual().clock(new ManualClock()).build().start();
        reactor.runOn(0, () -> {
            client = new Tcp(reactor.shard(0), new RecordingIpv4Output(1, reactor.clock()), TcpConfig.defaults());
            server = client;
        });
        InetSocketAddress to = new InetSocketAddress(InetAddress.getByName(SERVER), 7);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> await(reactor.submit(0, () -> client.connect(to))));
        assertInstanceOf(UnreachableException.class, e.getCause());
    }
}
