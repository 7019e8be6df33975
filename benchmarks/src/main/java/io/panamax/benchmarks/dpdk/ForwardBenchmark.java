package io.panamax.benchmarks.dpdk;

import io.panamax.dpdk.DpdkLibraries;
import io.panamax.dpdk.EthBurst;
import io.panamax.nic.dpdk.DpdkNic;
import io.panamax.nic.dpdk.DpdkQueue;
import io.panamax.nic.NicPoller;
import io.panamax.reactor.CpuAffinity;
import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.IdlePolicy;
import io.panamax.reactor.Reactor;
import io.panamax.reactor.Shard;
import io.panamax.reactor.buffer.Packet;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Receive-and-transmit forwarding on one core, on DPDK's {@code net_null} driver in loop topology
 * (what a queue receives goes back out of the same queue; receive bursts are always full, sent mbufs
 * are freed), against {@code dpdk-testpmd --forward-mode=io} on the same kind of device in the same
 * run. The figure is {@code frames} (frames per second, a JMH auxiliary counter).
 *
 * <ul>
 *   <li>{@code javaShard}: the stack's own path: a reactor shard (its own busy-polling thread, like
 *       testpmd's forwarding lcore) whose {@link NicPoller} hands each received {@link Packet} back
 *       to {@link NicPoller#send}: {@link DpdkQueue#receive}/{@link DpdkQueue#transmit}, pooled
 *       packets over the mbufs, sent back without a copy. Sampled like testpmd. Each iteration also
 *       prints the frames per second of CPU time the shard thread got ({@code ThreadMXBean}): at
 *       load 6-9 the wall-clock score of identical runs moved 2.5x, this one by 10 %.</li>
 *   <li>{@code javaPackets}: the same queue calls on the benchmark thread, without a reactor (a
 *       plain thread pays a ThreadLocal lookup per buffer and packet release that a shard thread
 *       does not).</li>
 *   <li>{@code javaRaw}: the bindings alone, {@link EthBurst} receive then transmit on a native
 *       pointer array.</li>
 *   <li>{@code shimForward}: one downcall per burst into C that does testpmd's io step (receive,
 *       transmit, free the rest) with the inline functions.</li>
 *   <li>{@code testpmdIoForward}: dpdk-testpmd in its own process, one forwarding lcore; the method
 *       samples its forward counters (the primary score of this method is meaningless).</li>
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class ForwardBenchmark {
    static final int BURST = 32;

    /** Frames forwarded: reported per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Frames {
        public long frames;

        @Setup(Level.Iteration)
        public void reset() {
            frames = 0;
        }
    }

    /** A net_null port forwarded to itself. */
    @State(Scope.Thread)
    public static class Port {
        DpdkNic nic;
        DpdkQueue queue;
        EthBurst rx;
        EthBurst tx;
        int port;
        long mbufs;
        final Packet[] burst = new Packet[BURST];

        @Setup
        public void setUp() {
            nic = DpdkPorts.open("net_null");
            queue = nic.queue(0);
            port = nic.portId();
            rx = EthBurst.rx(port, 0);
            tx = EthBurst.tx(port, 0);
            mbufs = Arena.global().allocate(ValueLayout.JAVA_LONG, BURST).address();
        }

        @TearDown
        public void tearDown() {
            nic.close();
        }
    }

    @Benchmark
    public int javaPackets(Port p, Frames f) {
        int n = p.queue.receive(p.burst, BURST);
        int sent = p.queue.transmit(p.burst, n);
        for (int i = sent; i < n; i++) {
            p.burst[i].release();
        }
        f.frames += n;
        return n;
    }

    @Benchmark
    public long javaShard(ShardForwarder s, Frames f) throws Exception {
        Thread.sleep(200);
        long d = s.sample();
        f.frames += d;
        return d;
    }

    /** A one-shard reactor forwarding a net_null port to itself through a NicPoller. */
    @State(Scope.Benchmark)
    public static class ShardForwarder {
        private DpdkNic nic;
        private Reactor reactor;
        private long previous;
        private long shardThread;
        private long iterationStart;
        private long iterationCpu;
        private long iterationFrames;

        @Setup
        public void start() {
            nic = DpdkPorts.openUnattached("net_null");
            reactor = Reactor.builder().shards(1).idlePolicy(IdlePolicy.busyPoll()).stallThreshold(Duration.ZERO)
                    .bufferPools(nic.bufferPools()).build().start();
            reactor.await(reactor.submit(0, () -> {
                NicPoller[] poller = new NicPoller[1];
                poller[0] = new NicPoller(nic.queue(0), p -> poller[0].send(p));
                Shard.currentOrThrow().addPoller(poller[0]);
                return ShardFuture.succeeded(null);
            }), Duration.ofSeconds(10));
            previous = nic.queue(0).stats().rxPackets.get();
            shardThread = reactor.await(reactor.submit(0, () -> ShardFuture.succeeded(Thread.currentThread().threadId())),
                    Duration.ofSeconds(10));
        }

        @Setup(Level.Iteration)
        public void iterationStart() {
            iterationStart = System.nanoTime();
            iterationCpu = ManagementFactory.getThreadMXBean().getThreadCpuTime(shardThread);
            iterationFrames = nic.queue(0).stats().rxPackets.get();
        }

        /**
         * Frames per second of CPU time the shard thread got: on a loaded machine the busy-polling
         * shard is preempted, and this is the figure that compares runs made at different loads.
         */
        @TearDown(Level.Iteration)
        public void iterationEnd() {
            double cpu = (ManagementFactory.getThreadMXBean().getThreadCpuTime(shardThread) - iterationCpu) / 1e9;
            double wall = (System.nanoTime() - iterationStart) / 1e9;
            long frames = nic.queue(0).stats().rxPackets.get() - iterationFrames;
            System.out.printf("shard: %.2f Mframes per shard CPU second (the shard had %.2f CPUs)%n", frames / cpu / 1e6, cpu / wall);
        }

        /** Frames the shard received (and sent back) since the last sample. */
        long sample() {
            long now = nic.queue(0).stats().rxPackets.get();
            long d = now - previous;
            previous = now;
            return d;
        }

        @TearDown
        public void stop() {
            reactor.stop();
            nic.close();
        }
    }

    @Benchmark
    public int javaRaw(Port p, Frames f) {
        int n = p.rx.call(p.mbufs, BURST);
        int sent = p.tx.call(p.mbufs, n);
        if (sent < n) {
            DpdkPorts.freeBulk(p.mbufs + (long) sent * Long.BYTES, n - sent);
        }
        f.frames += n;
        return n;
    }

    @Benchmark
    public int shimForward(Port p, Frames f) throws Throwable {
        int n = ShimLibrary.forward(p.port, p.port, p.mbufs, BURST);
        f.frames += n;
        return n;
    }

    @Benchmark
    public long testpmdIoForward(Testpmd t, Frames f) throws Exception {
        Thread.sleep(200);
        long d = t.sample();
        f.frames += d;
        return d;
    }

    /** dpdk-testpmd, interactive, io forwarding on one net_null port in loop topology. */
    @State(Scope.Benchmark)
    public static class Testpmd {
        private static final Pattern RX = Pattern.compile("RX-packets:\\s+(\\d+)");
        private Process process;
        private OutputStream commands;
        private final AtomicLong accumulated = new AtomicLong(-1);
        private final AtomicLong reports = new AtomicLong();
        private long previous;
        private long iterationCpuTicks;
        private long iterationFrames;

        @Setup
        public void start() throws Exception {
            DpdkLibraries.Located libs = DpdkLibraries.load();
            int[] cpus = CpuAffinity.allowedCpus();
            String lcores = cpus[0] + "," + cpus[cpus.length - 1];
            // stdbuf: testpmd's stdout is a pipe here, which stdio would buffer in blocks.
            List<String> cmd = new ArrayList<>(List.of("stdbuf", "-oL", "dpdk-testpmd", "-l", lcores, "--no-huge", "-m", "512",
                    "--no-pci", "--no-shconf", "--no-telemetry", "--file-prefix",
                    "pmx-testpmd-" + ProcessHandle.current().pid(), "--vdev", "net_null0"));
            libs.pmdDirectory().ifPresent(d -> cmd.addAll(List.of("-d", d.toString())));
            cmd.addAll(List.of("--", "-i", "--forward-mode=io", "--port-topology=loop", "--nb-cores=1",
                    "--burst=" + BURST, "--rxd=1024", "--txd=1024", "--total-num-mbufs=8192"));
            process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            commands = process.getOutputStream();
            Thread.ofPlatform().daemon().name("testpmd-output").start(this::readOutput);
            command("start");
            sample(); // the first report sets the baseline
        }

        private void readOutput() {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                boolean accumulatedBlock = false;
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.contains("Accumulated forward statistics")) {
                        accumulatedBlock = true;
                    } else if (accumulatedBlock) {
                        Matcher m = RX.matcher(line);
                        if (m.find()) {
                            accumulated.set(Long.parseLong(m.group(1)));
                            reports.incrementAndGet();
                            accumulatedBlock = false;
                        }
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        }

        private void command(String c) throws IOException {
            commands.write((c + "\n").getBytes(StandardCharsets.US_ASCII));
            commands.flush();
        }

        @Setup(Level.Iteration)
        public void iterationStart() throws IOException {
            iterationCpuTicks = cpuTicks();
            iterationFrames = 0;
        }

        /**
         * Frames per second of CPU time testpmd's process got (its forwarding lcore busy-polls; the
         * main lcore waits on the prompt): the figure to set against the shard's own on a loaded
         * machine, where testpmd is preempted as the shard is. Clock ticks of 10 ms: about 1 %
         * resolution over a 1 s iteration at one CPU.
         */
        @TearDown(Level.Iteration)
        public void iterationEnd() throws IOException {
            double cpu = (cpuTicks() - iterationCpuTicks) / 100.0;
            System.out.printf("testpmd: %.2f Mframes per testpmd CPU second (%.2f CPU seconds)%n",
                    iterationFrames / cpu / 1e6, cpu);
        }

        /** utime + stime of the process, in clock ticks ({@code /proc/PID/stat} fields 14 and 15; USER_HZ 100). */
        private long cpuTicks() throws IOException {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + process.pid() + "/stat"));
            // Fields after the command name, which is in parentheses and may hold spaces.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        }

        /** Frames testpmd forwarded since the last sample. */
        long sample() throws Exception {
            long before = reports.get();
            command("show fwd stats all");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (reports.get() == before) {
                if (System.nanoTime() > deadline || !process.isAlive()) {
                    throw new IllegalStateException("dpdk-testpmd gave no statistics (alive: " + process.isAlive() + ")");
                }
                Thread.sleep(1);
            }
            long now = accumulated.get();
            long d = now - previous;
            previous = now;
            iterationFrames += d;
            return d;
        }

        @TearDown
        public void stop() throws Exception {
            command("stop");
            command("quit");
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
