package io.panamax.benchmarks.e2e;

import io.panamax.ip.Ipv4Address;
import io.panamax.ip.Ipv6Address;
import io.panamax.nic.MacAddress;
import io.panamax.nic.wire.Wire;
import io.panamax.nic.wire.WireConfig;
import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.IdlePolicy;
import io.panamax.reactor.Loop;
import io.panamax.reactor.Reactor;
import io.panamax.reactor.Shard;
import io.panamax.reactor.buffer.Packet;
import io.panamax.stack.NicFactory;
import io.panamax.stack.Stack;
import io.panamax.tcp.TcpConfig;
import io.panamax.tcp.TcpConnection;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * TCP between two whole stacks (NIC, Ethernet, ARP, IPv4, TCP) joined by the in-memory wire, MTU
 * 1500 or the one {@code --mtu} gives (up to the wire's 65,535: TCP then moves 64 KiB segments, MSS
 * 65,483 with timestamps), for a fixed time, in one of two placements:
 * <ul>
 *   <li>{@code core}: both stacks on one shard of one reactor (one busy-polling thread pays for
 *       both ends: the per-core figure);</li>
 *   <li>{@code pair}: the client stack on the shard of one reactor, the server stack on the shard
 *       of another (two busy-polling threads, unpinned: the two ends on two cores, as the kernel
 *       peer runs).</li>
 * </ul>
 * Modes: {@code rr}: each client connection sends 64 bytes and waits for the echo, again, until
 * the time is up ({@code --connections} of them at once); {@code bulk}: one connection writes 64
 * KiB pooled packets as fast as the stack takes them, the server reads and releases them.
 * The wire offloads nothing, so every segment's checksum is computed and verified in software,
 * unless {@code --checksum-offload on} builds it with {@link WireConfig#checksumOffload()}: the
 * wire then vouches for the checksums, as the kernel's loopback does, and neither stack sums.
 * {@code --family 6} runs the same over IPv6 (both stacks dual-stack, the client connects to the
 * server's IPv6 address; neighbour discovery instead of ARP), to compare the two families in one run.
 *
 * <p>Prints {@code result key=value ...} lines: transactions or bits per second, and the heap
 * bytes the shard threads allocated per TCP segment received during the measured time
 * ({@code ThreadMXBean.getThreadAllocatedBytes}); in bulk also the CPU time the shard threads got
 * ({@code shard_cpus}, CPUs over the wall time) and the bits per second of that CPU time
 * ({@code gbps_per_shard_cpu}): on a loaded machine a busy-polling shard is preempted, and this is
 * the figure that compares runs made at different loads.
 *
 * <pre>
 *   java -cp benchmarks.jar io.panamax.benchmarks.e2e.WireTcpRun rr --connections 64 --placement core --seconds 10
 *   java -cp benchmarks.jar io.panamax.benchmarks.e2e.WireTcpRun bulk --placement core --seconds 10
 *   java -cp benchmarks.jar io.panamax.benchmarks.e2e.WireTcpRun bulk --placement core --seconds 10 --mtu 65535
 * </pre>
 */
public final class WireTcpRun {
    static final int MESSAGE = 64;
    static final int WRITE = 64 * 1024;
    static final int PORT_ECHO = 7;
    static final int PORT_SINK = 9;
    static final int SERVER_IP = Ipv4Address.parse("10.13.0.2");
    static final long[] SERVER_IP6 = Ipv6Address.parse("fd00:13::2");

    private final String mode;
    private final int connections;
    private final boolean pair;
    private final boolean ipv6;
    private final int mtu;
    private final boolean checksumOffload;
    private final Reactor clientReactor;
    private final Reactor serverReactor;
    private final Wire wire;
    private final Stack client;
    private final Stack server;
    private final MemorySegment message;
    private final MemorySegment block;
    // Written and read on the client shard only.
    private long transactions;
    private long bytesSent;
    private boolean stop;
    // Written on the server shard only.
    private long bytesReceived;

    private WireTcpRun(String mode, int connections, boolean pair, boolean ipv6, int mtu, boolean checksumOffload) throws Exception {
        this.mode = mode;
        this.connections = connections;
        this.pair = pair;
        this.ipv6 = ipv6;
        this.mtu = mtu;
        this.checksumOffload = checksumOffload;
        clientReactor = reactor(pair);
        serverReactor = pair ? reactor(true) : clientReactor;
        wire = Wire.pair(WireConfig.builder().name("tcp").mtu(mtu).ringSize(ringSlots(mtu)).checksumOffload(checksumOffload)
                .macs(MacAddress.parse("02:00:00:00:0d:01"), MacAddress.parse("02:00:00:00:0d:02")).build());
        TcpConfig tcp = TcpConfig.builder().noDelay(true).build();
        Stack.Builder c = Stack.builder().reactor(clientReactor).nic(NicFactory.of(wire.a())).ipv4("10.13.0.1/24").tcp(tcp);
        Stack.Builder s = Stack.builder().reactor(serverReactor).nic(NicFactory.of(wire.b())).ipv4("10.13.0.2/24").tcp(tcp);
        if (ipv6) {
            c.ipv6("fd00:13::1/64");
            s.ipv6("fd00:13::2/64");
        }
        client = c.start();
        server = s.start();
        message = Arena.global().allocate(MESSAGE);
        block = Arena.global().allocate(WRITE);
        for (int i = 0; i < WRITE; i++) {
            block.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 31));
        }
    }

    /**
     * Slots per wire ring: 4,096 at MTU 1500 (6.5 MB of slots per direction), 512 when a slot holds
     * a 64 KiB frame: the same ~33 MB instead of 268 MB that the first frame would zero, and still
     * more frames than the send and receive buffers let be in flight.
     */
    private static int ringSlots(int mtu) {
        return mtu > 9_000 ? 512 : 4096;
    }

    private static Reactor reactor(boolean unpinned) {
        Reactor.Builder b = Reactor.builder().shards(1).idlePolicy(IdlePolicy.busyPoll()).stallThreshold(Duration.ZERO)
                .buffersPerShard(32768);
        if (unpinned) {
            b.pinThreads(false); // two one-shard reactors would both pin to the first CPU
        }
        return b.build().start();
    }

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "rr";
        int connections = 1;
        String placement = "core";
        String family = "4";
        int mtu = WireConfig.DEFAULT_MTU;
        String offload = "off";
        double seconds = 5;
        double warmup = 2;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--connections" -> connections = Integer.parseInt(args[++i]);
                case "--placement" -> placement = args[++i];
                case "--family" -> family = args[++i];
                case "--mtu" -> mtu = Integer.parseInt(args[++i]);
                case "--checksum-offload" -> offload = args[++i];
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--warmup" -> warmup = Double.parseDouble(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (usage: rr|bulk [--connections N] [--placement core|pair] [--family 4|6] [--mtu BYTES] [--checksum-offload on|off] [--seconds S] [--warmup S])");
            }
        }
        if (!mode.equals("rr") && !mode.equals("bulk")) {
            throw new IllegalArgumentException("mode must be rr or bulk, got " + mode);
        }
        if (!placement.equals("core") && !placement.equals("pair")) {
            throw new IllegalArgumentException("placement must be core or pair, got " + placement);
        }
        if (!family.equals("4") && !family.equals("6")) {
            throw new IllegalArgumentException("family must be 4 or 6, got " + family);
        }
        if (!offload.equals("on") && !offload.equals("off")) {
            throw new IllegalArgumentException("checksum-offload must be on or off, got " + offload);
        }
        WireTcpRun run = new WireTcpRun(mode, connections, placement.equals("pair"), family.equals("6"), mtu, offload.equals("on"));
        try {
            run.measure(warmup, seconds);
        } finally {
            run.close();
        }
        System.exit(0);
    }

    private void measure(double warmupSeconds, double seconds) throws Exception {
        server.await(server.onEveryShard(s -> {
            s.tcp().listen(PORT_ECHO, this::echo);
            s.tcp().listen(PORT_SINK, this::sink);
        }), Duration.ofSeconds(30));
        CompletableFuture<Object> running = clientReactor.submit(0, () -> {
            List<ShardFuture<Void>> loops = new ArrayList<>();
            if (mode.equals("rr")) {
                for (int c = 0; c < connections; c++) {
                    loops.add(connect(PORT_ECHO).then(this::pingPong));
                }
            } else {
                loops.add(connect(PORT_SINK).then(this::pour));
            }
            return ShardFuture.whenAll(loops).map(v -> null);
        });
        long clientThread = threadOf(clientReactor);
        long serverThread = threadOf(serverReactor);
        Thread.sleep((long) (warmupSeconds * 1000));
        Snapshot a = snapshot(clientThread, serverThread);
        Thread.sleep((long) (seconds * 1000));
        Snapshot b = snapshot(clientThread, serverThread);
        clientReactor.await(clientReactor.submit(0, () -> {
            stop = true;
            return ShardFuture.done();
        }), Duration.ofSeconds(10));
        clientReactor.await(running, Duration.ofSeconds(30));
        double dt = (b.nanos - a.nanos) / 1e9;
        long segments = b.segments - a.segments;
        long heap = b.allocated - a.allocated;
        double cpus = (b.cpuNanos - a.cpuNanos) / 1e9 / dt;
        if (mode.equals("rr")) {
            System.out.printf("result mode=rr family=%s placement=%s connections=%d seconds=%.3f transactions=%d tps=%.0f segments=%d"
                            + " heap_bytes=%d heap_bytes_per_segment=%.3f heap_bytes_per_transaction=%.3f%n",
                    ipv6 ? "6" : "4", pair ? "pair" : "core", connections, dt, b.transactions - a.transactions,
                    (b.transactions - a.transactions) / dt, segments, heap, (double) heap / segments,
                    (double) heap / (b.transactions - a.transactions));
        } else {
            long bytes = b.bytes - a.bytes;
            System.out.printf("result mode=bulk family=%s placement=%s mtu=%d checksum_offload=%s seconds=%.3f bytes=%d gbps=%.3f segments=%d heap_bytes=%d"
                            + " heap_bytes_per_segment=%.3f shard_cpus=%.3f gbps_per_shard_cpu=%.3f%n",
                    ipv6 ? "6" : "4", pair ? "pair" : "core", mtu, checksumOffload ? "on" : "off", dt, bytes, bytes * 8 / dt / 1e9, segments, heap, (double) heap / segments,
                    cpus, bytes * 8 / dt / 1e9 / cpus);
        }
    }

    /** Opens a connection from the client shard to the server, over the family this run measures. */
    private ShardFuture<TcpConnection> connect(int port) {
        return ipv6 ? client.shard(0).tcp().connect6(SERVER_IP6[0], SERVER_IP6[1], port)
                : client.shard(0).tcp().connect(SERVER_IP, port);
    }

    private record Snapshot(long nanos, long transactions, long bytes, long segments, long allocated, long cpuNanos) {
    }

    private Snapshot snapshot(long clientThread, long serverThread) {
        long[] c = clientReactor.await(clientReactor.submit(0, () -> ShardFuture.succeeded(new long[] {
                transactions, client.shard(0).tcp().counters().segmentsIn.get()})), Duration.ofSeconds(10));
        long[] s = serverReactor.await(serverReactor.submit(0, () -> ShardFuture.succeeded(new long[] {
                bytesReceived, server.shard(0).tcp().counters().segmentsIn.get()})), Duration.ofSeconds(10));
        // On one shard both stacks count into the shard's one counter set (metrics are per shard).
        long segments = pair ? c[1] + s[1] : c[1];
        long allocated = allocated(clientThread) + (pair ? allocated(serverThread) : 0);
        long cpu = cpuNanos(clientThread) + (pair ? cpuNanos(serverThread) : 0);
        return new Snapshot(System.nanoTime(), c[0], s[0], segments, allocated, cpu);
    }

    private static long threadOf(Reactor r) {
        return r.await(r.submit(0, () -> ShardFuture.succeeded(Thread.currentThread().threadId())), Duration.ofSeconds(10));
    }

    /** CPU time the thread has had: on a loaded machine a busy-polling shard gets less than its wall time. */
    private static long cpuNanos(long threadId) {
        return ManagementFactory.getThreadMXBean().getThreadCpuTime(threadId);
    }

    private static long allocated(long threadId) {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getThreadAllocatedBytes(threadId);
    }

    /**
     * 64 bytes out, 64 bytes back, counted; until told to stop. Written with {@code readLoop}, the
     * connection API's allocation-free request/response loop (JMH's TcpRequestResponseBenchmark
     * compares it with the same loop written with future combinators).
     */
    private ShardFuture<Void> pingPong(TcpConnection c) {
        c.setNoDelay(true);
        int[] pending = {MESSAGE};
        Shard shard = Shard.currentOrThrow();
        send(shard, c);
        return c.readLoop(r -> {
            if (r.isEmpty()) {
                r.release();
                return ShardFuture.failed(new IllegalStateException("the server closed the connection"));
            }
            pending[0] -= r.length();
            r.release();
            if (pending[0] > 0) {
                return ShardFuture.next();
            }
            transactions++;
            if (stop) {
                return ShardFuture.stop();
            }
            pending[0] = MESSAGE;
            return send(shard, c).map(v -> Loop.CONTINUE);
        }).then(v -> c.close());
    }

    private ShardFuture<Void> send(Shard shard, TcpConnection c) {
        Packet p = shard.packets().allocateWithHeadroom();
        p.appendBytes(message, 0, MESSAGE);
        return c.write(p);
    }

    /**
     * Writes 64 KiB packets until told to stop, with {@code writeLoop}: the next packet is made
     * once the stack has taken the last one, and a write that waits for room in the send buffer
     * costs no promise (the loop is its completion).
     */
    private ShardFuture<Void> pour(TcpConnection c) {
        Shard shard = Shard.currentOrThrow();
        return c.writeLoop(() -> {
            if (stop) {
                return null;
            }
            Packet p = shard.packets().allocate();
            p.appendBytes(block, 0, WRITE);
            bytesSent += WRITE;
            return p;
        }).then(v -> c.close());
    }

    private void echo(TcpConnection c) {
        c.setNoDelay(true);
        c.readLoop(data -> {
            if (data.isEmpty()) {
                data.release();
                return ShardFuture.stop();
            }
            return c.write(data).map(v -> Loop.CONTINUE);
        }).then(v -> c.close()).recover(e -> {
            c.abort();
            return null;
        });
    }

    private void sink(TcpConnection c) {
        c.readLoop(data -> {
            bytesReceived += data.length();
            data.release();
            return ShardFuture.next(); // the loop ends after the empty end-of-stream buffer
        }).then(v -> c.close()).recover(e -> {
            c.abort();
            return null;
        });
    }

    private void close() {
        client.close();
        server.close();
        String leaks = server.leaksAtClose() != null ? server.leaksAtClose() : client.leaksAtClose();
        clientReactor.stop();
        if (pair) {
            serverReactor.stop();
        }
        wire.close();
        System.out.println("# leaks at close: " + (leaks == null ? "none" : leaks));
    }
}
