package io.panamax.tcp.script;

import io.panamax.ip.Ipv4Address;
import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.ManualClock;
import io.panamax.reactor.Reactor;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.testing.LeakCheck;
import io.panamax.tcp.Tcp;
import io.panamax.tcp.TcpConfig;
import io.panamax.tcp.TcpConnection;
import io.panamax.tcp.TcpListener;
import io.panamax.tcp.wire.TcpHeader;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A packet-script test bench in the spirit of packetdrill: one {@link Tcp} on a manual-mode
 * reactor with virtual time; segments are injected as if from IPv4 ({@link #inject}) and what TCP
 * sends is captured and checked in order ({@link #expect}). Closing the script shuts TCP down
 * and checks that every buffer went back to its pool.
 */
public final class TcpScript implements AutoCloseable {
    public static final int LOCAL_IP = Ipv4Address.parse("10.0.0.1");
    public static final int REMOTE_IP = Ipv4Address.parse("10.0.0.2");
    public static final int LOCAL_PORT = 8080;
    public static final int REMOTE_PORT = 40000;

    public final ManualClock clock = new ManualClock();
    public final Reactor reactor;
    public final RecordingIpv4Output ip;
    public final Tcp tcp;
    public final List<TcpConnection> accepted = new ArrayList<>();
    private TcpListener listener;
    /** The local port {@link #seg()} addresses: the listener's, or the one an active open chose. */
    public int localPort = LOCAL_PORT;

    public TcpScript() {
        this(baseConfig().build());
    }

    /**
     * A script whose connections run NewReno (RFC 5681, RFC 6582): for tests of that arithmetic,
     * now that CUBIC is the default.
     */
    public static TcpScript newReno() {
        return new TcpScript(baseConfig().congestionControl("newreno").build());
    }

    public TcpScript(TcpConfig config) {
        this(config, io.panamax.tcp.LocalPortPolicy.sequential());
    }

    public TcpScript(TcpConfig config, io.panamax.tcp.LocalPortPolicy ports) {
        reactor = Reactor.builder().shards(1).manual().clock(clock).buffersPerShard(4096).build().start();
        ip = new RecordingIpv4Output(LOCAL_IP, clock);
        Tcp[] t = new Tcp[1];
        reactor.runOn(0, () -> t[0] = new Tcp(reactor.shard(0), ip, config, ports));
        tcp = t[0];
    }

    /** Deterministic defaults for scripts: fixed ISN key; quick ACKs off so delayed-ACK rules show. */
    public static TcpConfig.Builder baseConfig() {
        return TcpConfig.builder().isnSecret(1, 2).quickAckSegments(0);
    }

    /** Runs {@code body} on the shard and returns its value. */
    public <T> T on(Supplier<T> body) {
        Object[] out = new Object[1];
        reactor.runOn(0, () -> out[0] = body.get());
        @SuppressWarnings("unchecked")
        T v = (T) out[0];
        return v;
    }

    public void run(Runnable body) {
        reactor.runOn(0, body);
        reactor.runUntilIdle();
    }

    /** A segment from the remote peer to the local port, to be filled in. */
    public SegmentSpec seg() {
        return new SegmentSpec(REMOTE_IP, LOCAL_IP, REMOTE_PORT, localPort);
    }

    /** Delivers {@code s} to TCP as if IPv4 had received it, then lets the shard run. */
    public void inject(SegmentSpec s) {
        reactor.runOn(0, () -> tcp.receive(s.srcIp, s.dstIp, s.build(reactor.shard(0).packets())));
        reactor.runUntilIdle();
    }

    /** Delivers segments in one turn of the shard, as one receive burst does, then lets the shard run. */
    public void injectTogether(SegmentSpec... segments) {
        reactor.runOn(0, () -> {
            for (SegmentSpec s : segments) {
                tcp.receive(s.srcIp, s.dstIp, s.build(reactor.shard(0).packets()));
            }
        });
        reactor.runUntilIdle();
    }

    /** Delivers raw bytes as a segment. */
    public void injectRaw(byte[] bytes, int nicFlags) {
        reactor.runOn(0, () -> {
            Packet p = reactor.shard(0).packets().allocateWithHeadroom();
            p.appendBytes(bytes, 0, bytes.length);
            p.setFlags(nicFlags);
            tcp.receive(REMOTE_IP, LOCAL_IP, p);
        });
        reactor.runUntilIdle();
    }

    /** The next segment TCP sent; fails if there is none. */
    public SentSegment expect() {
        reactor.runUntilIdle();
        SentSegment s = ip.poll();
        assertNotNull(s, "expected a segment, none was sent");
        assertTrue(s.checksumOk, "bad checksum on " + s);
        assertTrue(s.dontFragment, "TCP sends with DF set (RFC 1191)");
        assertEquals(LOCAL_IP, s.srcIp);
        return s;
    }

    /** Everything TCP has sent and the test has not looked at yet. */
    public List<SentSegment> drain() {
        reactor.runUntilIdle();
        List<SentSegment> out = new ArrayList<>();
        SentSegment x;
        while ((x = ip.poll()) != null) {
            assertTrue(x.checksumOk, "bad checksum on " + x);
            out.add(x);
        }
        return out;
    }

    /** Asserts TCP sent nothing (more). */
    public void expectNothing() {
        reactor.runUntilIdle();
        SentSegment s = ip.poll();
        if (s != null) {
            fail("expected no segment, got " + s);
        }
    }

    /** Lets virtual time pass, firing due timers. */
    public void advance(Duration d) {
        reactor.advance(d);
    }

    /** Runs virtual time forward until TCP sends something; returns it (and fails after {@code limit}). */
    public SentSegment expectWithin(Duration limit) {
        reactor.runUntil(() -> ip.pending() > 0, limit);
        return expect();
    }

    public long nowNanos() {
        return clock.nanoTime();
    }

    // ---- application-side helpers -------------------------------------------------------------

    public TcpListener listen() {
        return listen(LOCAL_PORT);
    }

    public TcpListener listen(int port) {
        listener = on(() -> tcp.listen(port, accepted::add));
        return listener;
    }

    public CompletableFuture<TcpConnection> connect() {
        return connect(REMOTE_IP, REMOTE_PORT);
    }

    public CompletableFuture<TcpConnection> connect(int remoteIp, int remotePort) {
        CompletableFuture<TcpConnection> f = on(() -> tcp.connect(remoteIp, remotePort).toCompletableFuture());
        reactor.runUntilIdle();
        return f;
    }

    /** Starts a read; the future gets the bytes (the packet is released), empty at end of stream. */
    public CompletableFuture<byte[]> read(TcpConnection c) {
        CompletableFuture<byte[]> f = on(() -> c.read().map(p -> {
            byte[] b = p.toByteArray();
            p.release();
            return b;
        }).toCompletableFuture());
        reactor.runUntilIdle();
        return f;
    }

    public CompletableFuture<Void> write(TcpConnection c, String text) {
        return write(c, text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
    }

    public CompletableFuture<Void> write(TcpConnection c, byte[] bytes) {
        CompletableFuture<Void> f = on(() -> c.write(bytes).toCompletableFuture());
        reactor.runUntilIdle();
        return f;
    }

    public CompletableFuture<Void> close(TcpConnection c) {
        CompletableFuture<Void> f = on(() -> c.close().toCompletableFuture());
        reactor.runUntilIdle();
        return f;
    }

    public CompletableFuture<Void> shutdownOutput(TcpConnection c) {
        CompletableFuture<Void> f = on(() -> c.shutdownOutput().toCompletableFuture());
        reactor.runUntilIdle();
        return f;
    }

    public <T> ShardFuture<T> onShard(Supplier<ShardFuture<T>> body) {
        return on(body);
    }

    // ---- handshakes ----------------------------------------------------------------------------

    /** What a completed handshake established. */
    public record Established(TcpConnection conn, int iss, int irs) {
        /** The next sequence number the stack sends. */
        public int sndNxt() {
            return iss + 1;
        }

        /** The next sequence number the peer sends. */
        public int rcvNxt() {
            return irs + 1;
        }
    }

    /** Passive open with no options from the peer: SYN, SYN-ACK, ACK. */
    public Established acceptPlain(int peerIsn) {
        if (listener == null) {
            listen();
        }
        inject(seg().syn().seq(peerIsn).window(65535));
        SentSegment synAck = expect().flags(TcpHeader.SYN | TcpHeader.ACK).ack(peerIsn + 1);
        inject(seg().ack(synAck.seq + 1).seq(peerIsn + 1).window(65535));
        expectNothing();
        assertEquals(1, accepted.size(), "one connection accepted");
        return new Established(accepted.removeFirst(), synAck.seq, peerIsn);
    }

    /** Passive open from a peer offering MSS {@code mss} and SACK-Permitted only (RFC 2018), no timestamps. */
    public Established acceptSack(int peerIsn, int mss) {
        if (listener == null) {
            listen();
        }
        inject(seg().syn().seq(peerIsn).mss(mss).sackPermitted().window(65535));
        SentSegment synAck = expect().flags(TcpHeader.SYN | TcpHeader.ACK).sackPermitted(true);
        inject(seg().seq(peerIsn + 1).ack(synAck.seq + 1).window(65535));
        expectNothing();
        assertEquals(1, accepted.size(), "one connection accepted");
        return new Established(accepted.removeFirst(), synAck.seq, peerIsn);
    }

    /** Active open answered by a SYN-ACK with no options. */
    public Established connectPlain(int peerIsn) {
        CompletableFuture<TcpConnection> f = connect();
        SentSegment syn = expect().flags(TcpHeader.SYN);
        localPort = syn.srcPort;
        inject(seg().syn().ack(syn.seq + 1).seq(peerIsn).window(65535));
        SentSegment ack = expect().flags(TcpHeader.ACK).seq(syn.seq + 1).ack(peerIsn + 1);
        assertEquals(syn.srcPort, ack.srcPort);
        assertTrue(f.isDone(), "connect completes with the handshake");
        return new Established(f.join(), syn.seq, peerIsn);
    }

    @Override
    public void close() {
        reactor.runOn(0, tcp::shutdown);
        reactor.runUntilIdle();
        ip.clear();
        LeakCheck.assertNoLeaks(reactor);
        reactor.close();
    }
}
