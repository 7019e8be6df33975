package io.panamax.pcaptests.replay;

import io.panamax.ethernet.Arp;
import io.panamax.ethernet.wire.ArpMessage;
import io.panamax.ethernet.wire.EtherType;
import io.panamax.ethernet.wire.EthernetHeader;
import io.panamax.ip.IpProtocol;
import io.panamax.ip.Ipv4Address;
import io.panamax.ip.UdpHandler;
import io.panamax.ip.UdpSocket;
import io.panamax.ip.wire.IcmpMessage;
import io.panamax.ip.wire.Ipv4Header;
import io.panamax.nic.ForwardingNic;
import io.panamax.nic.ForwardingNicQueue;
import io.panamax.nic.MacAddress;
import io.panamax.nic.Nic;
import io.panamax.nic.NicQueue;
import io.panamax.nic.QueueTotals;
import io.panamax.nic.capture.CaptureConfig;
import io.panamax.nic.capture.CapturingNic;
import io.panamax.nic.pcap.CaptureFileReader;
import io.panamax.nic.pcap.PcapFormatException;
import io.panamax.nic.pcap.PcapNic;
import io.panamax.nic.pcap.ReplayEnd;
import io.panamax.reactor.ManualClock;
import io.panamax.reactor.ReadBuffer;
import io.panamax.reactor.Reactor;
import io.panamax.reactor.buffer.Packet;
import io.panamax.stack.NicFactory;
import io.panamax.stack.ShardStack;
import io.panamax.stack.Stack;
import io.panamax.tcp.StandardServices;
import io.panamax.tcp.TcpConfig;
import io.panamax.tcp.wire.TcpHeader;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The replay engine: feeds a capture through a fresh stack (pcap backend, replay mode, the echo
 * sample's services) and reports what the stack counted and what it sent, so that a problem seen in
 * a capture can be reproduced and looked at. {@code bin/panamax replay} is its command line; the
 * replay, golden and fuzz tests of this module drive it directly.
 *
 * <p>The stack runs on a manual reactor with a virtual clock: a capture of minutes replays in
 * moments, at its recorded pacing by default, and two runs of the same file behave the same. In
 * replay mode the stack takes every conversation of the capture as if it were the server (any
 * destination MAC and IPv4 address). Its replies to clients outside its own subnet go through a
 * gateway that the replay introduces to the stack before the first frame (an ARP reply the stack
 * learns from: {@link #gatewayFor}, MAC {@link #GATEWAY_MAC}), so that every reply reaches the output.
 */
public final class StackReplay {
    /** The gateway's MAC: locally administered, unlikely to appear in a capture. */
    public static final MacAddress GATEWAY_MAC = MacAddress.parse("02:00:00:00:fe:01");
    /** The stack's MAC during a replay (the pcap backend's default). */
    public static final MacAddress STACK_MAC = MacAddress.parse("02:00:00:00:00:01");

    /** Virtual time a replay may take at most: far beyond any capture, it only stops a runaway loop. */
    private static final Duration VIRTUAL_LIMIT = Duration.ofDays(3650);
    private static final Duration SETUP_LIMIT = Duration.ofSeconds(30);

    private StackReplay() {
    }

    // ---- the replay ---------------------------------------------------------------------------------

    /**
     * How a capture is replayed.
     *
     * @param shards   shards of the stack's reactor (one thread, driven by the caller)
     * @param address  the stack's address and subnet
     * @param pacing   when the frames arrive, on the virtual clock
     * @param linger   virtual time run after the last frame, so that timers fire
     * @param output   where the frames the stack sent are written (pcap, or pcapng by name); null: not kept
     * @param timeline where every frame received and sent is written in the order the stack saw
     *                 them (pcapng, directions marked), until the replay's time is up: what closing
     *                 the stack sends (resets of connections still open) is not in it; null: none
     * @param services installed on every shard after the echo sample's services (extra listeners)
     * @param tcp      the stack's TCP settings (a fixed ISN key makes runs repeat exactly)
     * @param clockStart the virtual clock's value when the stack starts
     * @param ipv6     the stack's IPv6 address and prefix, with autoconfiguration on; null: IPv4 only
     */
    public record Settings(int shards, String address, PcapNic.Pacing pacing, Duration linger, Path output,
                           Path timeline, Consumer<ShardStack> services, TcpConfig tcp, long clockStart, String ipv6) {
        public Settings {
            if (shards < 1) {
                throw new IllegalArgumentException("shards must be positive");
            }
            Objects.requireNonNull(address);
            Objects.requireNonNull(pacing);
            Objects.requireNonNull(linger);
            Objects.requireNonNull(services);
            Objects.requireNonNull(tcp);
        }

        /**
         * One shard, 10.7.0.2/24, recorded pacing, no linger, no files, the echo services only, and
         * a fixed ISN key with the clock starting at one second, so that a replay repeats exactly.
         */
        public static Settings defaults() {
            return new Settings(1, "10.7.0.2/24", PcapNic.Pacing.RECORDED, Duration.ZERO, null, null, s -> { },
                    TcpConfig.builder().isnSecret(0x70616e616d61784cL, 0x7265706c61792121L).build(), 1_000_000_000L, null);
        }

        public Settings withShards(int n) {
            return new Settings(n, address, pacing, linger, output, timeline, services, tcp, clockStart, ipv6);
        }

        public Settings withAddress(String cidr) {
            return new Settings(shards, cidr, pacing, linger, output, timeline, services, tcp, clockStart, ipv6);
        }

        public Settings withPacing(PcapNic.Pacing p) {
            return new Settings(shards, address, p, linger, output, timeline, services, tcp, clockStart, ipv6);
        }

        public Settings withLinger(Duration d) {
            return new Settings(shards, address, pacing, d, output, timeline, services, tcp, clockStart, ipv6);
        }

        public Settings withOutput(Path file) {
            return new Settings(shards, address, pacing, linger, file, timeline, services, tcp, clockStart, ipv6);
        }

        public Settings withTimeline(Path file) {
            return new Settings(shards, address, pacing, linger, output, file, services, tcp, clockStart, ipv6);
        }

        public Settings withServices(Consumer<ShardStack> s) {
            return new Settings(shards, address, pacing, linger, output, timeline, s, tcp, clockStart, ipv6);
        }

        /** IPv6 besides IPv4: this static address and prefix, with router discovery and SLAAC on (null: no IPv6). */
        public Settings withIpv6(String cidr) {
            return new Settings(shards, address, pacing, linger, output, timeline, services, tcp, clockStart, cidr);
        }

        public Settings withTcp(TcpConfig c) {
            return new Settings(shards, address, pacing, linger, output, timeline, services, c, clockStart, ipv6);
        }
    }

    /**
     * What one replay found.
     *
     * @param input     the capture
     * @param end       how the input ended (frames, cut frames, an error part-way)
     * @param totals    the NIC's queue totals (frames received and sent)
     * @param counters  every counter of the stack, summed over shards, at the end of the replay
     * @param failure   why the stack failed (uncaught errors, leaks), or null
     * @param output    the file the frames sent were written to, or null
     * @param sentByKind the frames sent by kind ("tcp syn-ack", "arp reply", ...), in a stable order
     */
    public record Result(Path input, ReplayEnd end, QueueTotals totals, Map<String, Long> counters, String failure,
                         Path output, Map<String, Long> sentByKind) {
        /** Whether the stack itself failed: an exception escaped a layer, or something leaked. */
        public boolean stackFailed() {
            return failure != null;
        }

        public long framesSent() {
            return totals.txPackets();
        }

        /** The sum over shards of the counter {@code key} (name plus labels), or 0. */
        public long counter(String key) {
            return counters.getOrDefault(key, 0L);
        }

        /** The non-zero drop counters, by name and reason ({@code tcp_drops_total{reason="bad_checksum"}}). */
        public Map<String, Long> drops() {
            Map<String, Long> d = new TreeMap<>();
            counters.forEach((k, v) -> {
                if (v != 0 && k.contains("drops_total")) {
                    d.put(k, v);
                }
            });
            return d;
        }

        /** The sum of the counters whose name is {@code name}, over every label set. */
        public long sum(String name) {
            long total = 0;
            for (var e : counters.entrySet()) {
                if (e.getKey().equals(name) || e.getKey().startsWith(name + "{")) {
                    total += e.getValue();
                }
            }
            return total;
        }
    }

    /**
     * Replays {@code input} through a fresh stack with the echo sample's services; the stack is
     * closed (and checked for leaks) before this returns.
     *
     * @throws PcapFormatException when {@code input} is not an Ethernet capture
     */
    public static Result replay(Path input, Settings s) throws IOException {
        String gateway = gatewayFor(s.address());
        PcapNic.Builder pb = PcapNic.builder().input(input).pacing(s.pacing()).mac(STACK_MAC);
        if (s.output() != null) {
            pb.output(s.output());
        }
        PcapNic pcap = pb.open();
        Nic recorded = pcap;
        CapturingNic timeline = null;
        ManualClock clock = new ManualClock(s.clockStart());
        Reactor reactor;
        try {
            if (s.timeline() != null) {
                timeline = CapturingNic.wrap(pcap, CaptureConfig.builder(s.timeline()).build());
                recorded = timeline;
            }
            reactor = Reactor.builder().shards(s.shards()).manual().clock(clock).buffersPerShard(4096).build().start();
        } catch (IOException | RuntimeException | Error e) {
            pcap.close();
            throw e;
        }
        HeldNic nic = new HeldNic(recorded);
        Stack stack = null;
        String failure = null;
        ReplayEnd end = null;
        QueueTotals totals;
        Map<String, Long> counters = new TreeMap<>();
        try {
            Stack.Builder builder = Stack.builder().nic(NicFactory.of(nic)).reactor(reactor).ipv4(s.address()).gateway(gateway)
                    .mac(STACK_MAC).replayMode().tcp(s.tcp())
                    // A capture of hours must not see the gateway's mapping expire (nobody answers probes).
                    .arp(new Arp.Config(VIRTUAL_LIMIT.toNanos(), 1_000_000_000L, 3, 64));
            if (s.ipv6() != null) {
                builder.ipv6(s.ipv6()).ipv6Autoconf();
            }
            stack = builder.start();
            installEchoServices(stack);
            Stack st = stack;
            stack.await(stack.onEveryShard(sh -> s.services().accept(sh)), SETUP_LIMIT);
            introduceGateway(stack, Ipv4Address.parse(gateway));
            nic.release();
            reactor.runUntil(pcap::atEndOfInput, VIRTUAL_LIMIT);
            end = pcap.endOfInput().getNow(null);
            if (s.linger().isPositive()) {
                reactor.advance(s.linger());
            } else {
                reactor.runUntilIdle();
            }
            st.reactor().metrics().valuesByKey().forEach((k, v) -> counters.put(k, v[v.length - 1]));
            long uncaught = counters.getOrDefault("reactor_uncaught_errors_total", 0L)
                    + counters.getOrDefault("nic_rx_handler_errors_total", 0L);
            if (uncaught > 0) {
                failure = uncaught + " exception(s) escaped a layer (reactor_uncaught_errors_total, nic_rx_handler_errors_total)";
            }
        } catch (Exception | Error e) {
            failure = "the replay stopped: " + describe(e);
        } finally {
            if (timeline != null) {
                timeline.setEnabled(false);
            }
            if (stack != null) {
                try {
                    stack.close();
                    if (stack.leaksAtClose() != null) {
                        failure = (failure == null ? "" : failure + "; ") + "leaked: " + stack.leaksAtClose();
                    }
                } catch (RuntimeException e) {
                    failure = (failure == null ? "" : failure + "; ") + "closing the stack failed: " + describe(e);
                }
            }
            // Without a stack, Stack.Builder.start() has closed the NIC already.
            reactor.stop();
            // After the close: stopping aborts what is still open, and those resets were sent too.
            totals = nic.totals();
        }
        if (end == null) {
            end = pcap.endOfInput().getNow(new ReplayEnd(totals.rxPackets(), 0, 0, 0, null));
        }
        Map<String, Long> kinds = s.output() != null ? SentFrames.classify(s.output()) : Map.of();
        return new Result(input, end, totals, Map.copyOf(counters), failure, s.output(), kinds);
    }

    /**
     * Installs the echo sample's services (echo on UDP and TCP port 7, discard on TCP port 9) on
     * every shard of {@code stack}: what a replay serves, for a live stack that is to be compared
     * with a replay.
     */
    public static void installEchoServices(Stack stack) {
        stack.await(stack.onEveryShard(s -> {
            s.udp().bind(StandardServices.ECHO_PORT, UDP_ECHO);
            s.tcp().listen(StandardServices.ECHO_PORT, StandardServices::echo);
            s.tcp().listen(StandardServices.DISCARD_PORT, StandardServices::discard);
        }), SETUP_LIMIT);
    }

    /**
     * UDP echo (RFC 862) over both families: each datagram goes back to its sender without a copy.
     * A stack without IPv6 never calls {@code onDatagram6}.
     */
    private static final UdpHandler UDP_ECHO = new UdpHandler() {
        @Override
        public void onDatagram(UdpSocket socket, int srcIp, int srcPort, ReadBuffer payload) {
            socket.send(srcIp, srcPort, payload);
        }

        @Override
        public void onDatagram6(UdpSocket socket, long srcHigh, long srcLow, int srcPort, ReadBuffer payload) {
            socket.send6(srcHigh, srcLow, srcPort, payload);
        }
    };

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m != null ? ": " + m : "");
    }

    /**
     * The gateway a replay introduces: the first host address of the stack's subnet other than its
     * own (10.7.0.1 for 10.7.0.2/24). Off-link replies go to it, with {@link #GATEWAY_MAC}.
     *
     * @throws IllegalArgumentException for a bad CIDR or a subnet without room (/31, /32)
     */
    public static String gatewayFor(String cidr) {
        Ipv4Address.Prefix p = Ipv4Address.Prefix.parse(cidr);
        if (p.length() >= 31) {
            throw new IllegalArgumentException(cidr + ": a replay needs a subnet with room for a gateway (/30 or larger)");
        }
        int first = p.network() + 1;
        return Ipv4Address.toString(first != p.address() ? first : first + 1);
    }

    /**
     * Teaches the stack the gateway's MAC with an unsolicited ARP reply addressed to it (RFC 826
     * reception: the target is us, so the sender is learned), on shard 0, which tells the others.
     * Nobody in a capture answers the stack's ARP requests, so without this every off-link reply
     * would wait for resolution and be dropped.
     */
    private static void introduceGateway(Stack stack, int gateway) {
        stack.await(stack.reactor().submit(0, () -> {
            ShardStack s = stack.shard(0);
            Packet p = s.shard().packets().allocateWithHeadroom();
            if (p == null) {
                throw new IllegalStateException("no buffer to introduce the gateway");
            }
            int off = p.extend(ArpMessage.LENGTH);
            ArpMessage.write(p.head(), off, ArpMessage.OPERATION_REPLY, GATEWAY_MAC.bits(), gateway,
                    STACK_MAC.bits(), stack.address().address());
            s.arp().handle(p);
            return io.panamax.reactor.ShardFuture.done();
        }), SETUP_LIMIT);
    }

    /**
     * A NIC whose receive side stays quiet until {@link #release()}: setting the stack up drives
     * the shards' loops, and without the hold the first frames of the capture would reach a stack
     * whose services (and gateway) are not there yet. Transmit passes straight through.
     */
    static final class HeldNic extends ForwardingNic {
        private volatile boolean released;

        HeldNic(Nic inner) {
            super(inner);
        }

        void release() {
            released = true;
        }

        @Override
        public NicQueue queue(int id) {
            return new ForwardingNicQueue(inner.queue(id)) {
                @Override
                public int receive(Packet[] out, int max) {
                    return released ? inner.receive(out, max) : 0;
                }
            };
        }
    }

    /** Sorts the frames of a capture the stack wrote into kinds a reader recognises. */
    static final class SentFrames {
        private SentFrames() {
        }

        static Map<String, Long> classify(Path file) throws IOException {
            Map<String, Long> kinds = new TreeMap<>();
            try (CaptureFileReader r = CaptureFileReader.open(file)) {
                while (r.next()) {
                    kinds.merge(kind(r.bytes(), r.dataOffset(), r.capturedLength()), 1L, Long::sum);
                }
            }
            return kinds;
        }

        /** The kind of one frame the stack built (so well formed, else "malformed"). */
        static String kind(MemorySegment seg, long off, int length) {
            if (EthernetHeader.validate(seg, off, length) != EthernetHeader.Problem.NONE) {
                return "malformed ethernet";
            }
            int header = EthernetHeader.headerLength(seg, off);
            int type = EthernetHeader.innerEtherType(seg, off);
            long l3 = off + header;
            int rest = length - header;
            if (type == EtherType.ARP) {
                if (ArpMessage.validate(seg, l3, rest) != ArpMessage.Problem.NONE) {
                    return "malformed arp";
                }
                return ArpMessage.operation(seg, l3) == ArpMessage.OPERATION_REQUEST ? "arp request" : "arp reply";
            }
            if (type != EtherType.IPV4) {
                return "ethertype 0x" + Integer.toHexString(type);
            }
            if (Ipv4Header.validate(seg, l3, rest) != Ipv4Header.Problem.NONE) {
                return "malformed ipv4";
            }
            if (Ipv4Header.isFragment(seg, l3)) {
                return "ipv4 fragment";
            }
            long l4 = l3 + Ipv4Header.headerLength(seg, l3);
            int l4Length = Ipv4Header.payloadLength(seg, l3);
            return switch (Ipv4Header.protocol(seg, l3)) {
                case IpProtocol.TCP -> l4Length < TcpHeader.MIN_LENGTH ? "malformed tcp" : "tcp " + tcpKind(seg, l4, l4Length);
                case IpProtocol.UDP -> "udp";
                case IpProtocol.ICMP -> l4Length < IcmpMessage.HEADER_LENGTH ? "malformed icmp" : "icmp " + icmpKind(IcmpMessage.type(seg, l4));
                default -> "ipv4 protocol " + Ipv4Header.protocol(seg, l3);
            };
        }

        private static String tcpKind(MemorySegment seg, long off, int length) {
            int flags = TcpHeader.flags(seg, off);
            boolean data = length > TcpHeader.headerLength(seg, off);
            if ((flags & TcpHeader.RST) != 0) {
                return "rst";
            }
            if ((flags & TcpHeader.SYN) != 0) {
                return (flags & TcpHeader.ACK) != 0 ? "syn-ack" : "syn";
            }
            if ((flags & TcpHeader.FIN) != 0) {
                return data ? "data+fin" : "fin";
            }
            return data ? "data" : "ack";
        }

        private static String icmpKind(int type) {
            return switch (type) {
                case IcmpMessage.TYPE_ECHO_REPLY -> "echo-reply";
                case IcmpMessage.TYPE_ECHO_REQUEST -> "echo-request";
                case IcmpMessage.TYPE_DESTINATION_UNREACHABLE -> "unreachable";
                case IcmpMessage.TYPE_TIME_EXCEEDED -> "time-exceeded";
                case IcmpMessage.TYPE_PARAMETER_PROBLEM -> "parameter-problem";
                default -> "type " + type;
            };
        }
    }
}
