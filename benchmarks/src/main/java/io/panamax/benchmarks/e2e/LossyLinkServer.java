package io.panamax.benchmarks.e2e;

import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.Loop;
import io.panamax.stack.Stack;
import io.panamax.tcp.AckProbe;
import io.panamax.tcp.StandardServices;
import io.panamax.tcp.TcpConnection;
import io.panamax.tcp.TcpConnectionStats;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;

/**
 * The stack's side of the lossy-link benchmark: a one-shard stack on a TAP device inside an
 * existing namespace, with a gateway (so a kernel sender in another namespace reaches it through
 * a forwarding namespace), serving port 19 (a source: sends {@code --bytes} and closes; the stack
 * is the bulk sender), 9 (discard: the stack receives) and 7 (echo: the stack's sends are limited
 * by what arrives). When a connection ends it prints its counters:
 * {@code conn service=source bytesOut=... retransmits=... timeouts=... fastRetransmits=... mss=...}, with
 * what held its sender back ({@code busyMs}, and of it {@code cwndLimitedMs}, {@code rwndLimitedMs},
 * {@code sndbufLimitedMs}; the rest of the busy time was application-limited). With
 * {@code --ack-probe DIR} every connection records its sender per ACK ({@link AckProbe}, the
 * counterpart of Linux's {@code tcp:tcp_probe}) and writes it to {@code DIR/SERVICE-N.csv} when it
 * ends ({@code ackProbe=} on its line). With {@code --nice N} the shard threads run at nice N
 * ({@code Reactor.Builder.shardNice}: each shard sets it on itself, and logs a refusal).
 *
 * <p>Why a nice value: on one machine the stack's shard shares the CPUs with the kernel receiver's
 * reading process, and each frame the shard writes to the TAP device wakes that reader, which
 * (the scheduler preferring the woken task) then runs at once on the shard's CPU: the shard is
 * preempted once per frame and the reader takes the window a few segments at a time, one sleep and
 * one ACK each (issue 13, 1 % loss, load ~10: 3,000-22,000 preemptions of the shard and
 * 4,000-24,000 sleeps of the reader per 100 MB). The kernel's sender over veth has no such
 * exposure: it transmits from the softirq of the ACK, above every task. At nice -10 the shard was
 * preempted 120-420 times, the reader slept 200-1,850 times and read whole windows, and 100 MB took
 * 0.48-1.00 s against 0.52-1.60 s at nice 0 (6 of 6 alternated pairs at 0.5 and 1 %).
 * With {@code --dpdk-vdev} the stack runs on a DPDK virtual device instead of the TAP device (the
 * loss benchmark's af_xdp runs: {@code net_af_xdp} on a veth end the caller made in the namespace),
 * and prints the device's driver and offloads first ({@code nic ...}).
 *
 * <pre>
 *   java -cp benchmarks.jar io.panamax.benchmarks.e2e.LossyLinkServer --netns NS --tap pmxl1
 *        [--host-ip 10.7.0.1/24] [--ip 10.7.0.2/24] [--gateway 10.7.0.1] [--idle busy] [--bytes 100000000]
 *        [--offloads on|off|checksum] [--ack-probe DIR] [--nice -10] [--dpdk-vdev net_af_xdp_pmxl0,iface=VETH,queue_count=1,busy_budget=0]
 * </pre>
 */
public final class LossyLinkServer {
    private static final int CHUNK = 64 * 1024;
    /**
     * ACKs an {@code --ack-probe} connection keeps (the last ones): a 100 MB transfer at 0.5-2 %
     * loss processed 8,000-18,000 (80 bytes each).
     */
    private static final int PROBE_ACKS = 1 << 16;
    /** Where {@code --ack-probe} writes each connection's ACKs, or null. */
    private static java.nio.file.Path probes;
    private static int probed;

    private LossyLinkServer() {
    }

    public static void main(String[] args) throws Exception {
        TapServerOptions o = TapServerOptions.parse(args, "pmxl1", java.util.Set.of("--bytes", "--ack-probe", "--nice"));
        if (o.gateway == null) {
            o.gateway = "10.7.0.1";
        }
        long bytes = Long.parseLong(o.extra.getOrDefault("--bytes", "100000000"));
        String probeDir = o.extra.get("--ack-probe");
        probes = probeDir == null ? null : java.nio.file.Path.of(probeDir);
        String nice = o.extra.get("--nice");
        if (nice != null) {
            o.shardNice = Integer.parseInt(nice); // the shard sets it on itself; a refusal is logged
        }
        Stack stack = o.start();
        MemorySegment block = Arena.global().allocate(CHUNK);
        long total = bytes;
        stack.await(stack.onEveryShard(s -> {
            s.tcp().listen(19, c -> report("source", c, source(c, block, total)));
            s.tcp().listen(9, c -> report("discard", c, StandardServices.discard(c)));
            s.tcp().listen(7, c -> {
                c.setNoDelay(true);
                report("echo", c, StandardServices.echo(c));
            });
        }), Duration.ofSeconds(30));
        System.out.println("ready " + o.ip + " on " + (o.dpdkVdev != null ? o.dpdkVdev : o.tap) + " in " + o.netns);
        System.out.flush();
        o.awaitStop();
    }

    /** Writes {@code total} bytes (copies of {@code block}), then closes; aborts if the peer goes away. */
    private static ShardFuture<Void> source(TcpConnection c, MemorySegment block, long total) {
        long[] left = {total};
        return ShardFuture.repeat(() -> {
            if (left[0] <= 0) {
                return ShardFuture.stop();
            }
            int n = (int) Math.min(CHUNK, left[0]);
            left[0] -= n;
            return c.write(block.asSlice(0, n)).map(v -> Loop.CONTINUE);
        }).then(v -> c.close()).recover(e -> {
            c.abort();
            return null;
        });
    }

    private static void report(String service, TcpConnection c, ShardFuture<Void> done) {
        AckProbe probe = probes == null ? null : c.recordAcks(PROBE_ACKS);
        done.whenComplete((v, e) -> {
            TcpConnectionStats s = c.stats();
            String probeFile = "";
            if (probe != null) {
                java.nio.file.Path f = probes.resolve(service + "-" + (++probed) + ".csv");
                try (java.io.Writer w = java.nio.file.Files.newBufferedWriter(f)) {
                    probe.writeCsv(w);
                    probeFile = " ackProbe=" + f;
                } catch (java.io.IOException x) {
                    probeFile = " ackProbe=failed:" + x.getMessage();
                }
            }
            System.out.println("conn service=" + service + " bytesIn=" + s.bytesIn() + " bytesOut=" + s.bytesOut()
                    + " retransmits=" + s.retransmits() + " timeouts=" + s.timeouts() + " fastRetransmits="
                    + s.fastRetransmits() + " mss=" + s.mss() + " tlp=" + s.tailLossProbes() + " lost=" + s.lostSegments()
                    + " reordering=" + s.reorderingSeen() + " spurious=" + s.spuriousRecoveries() + " sackedTotal="
                    + s.sackedTotal() + " cwnd=" + s.cwnd() + " ssthresh=" + s.ssthresh() + " srttUs=" + s.srttNanos() / 1000
                    + " rtoUs=" + s.rtoNanos() / 1000 + " sndWnd=" + s.sendWindow() + " busyMs=" + s.busyNanos() / 1_000_000
                    + " cwndLimitedMs=" + s.cwndLimitedNanos() / 1_000_000 + " rwndLimitedMs=" + s.rwndLimitedNanos() / 1_000_000
                    + " sndbufLimitedMs=" + s.sendBufferLimitedNanos() / 1_000_000
                    // The window's mean over ACKs in segments, and the ACKs seen in recovery: what the
                    // kernel's tcp:tcp_probe tracepoint gives per ACK for its sender (issue 13).
                    + " acks=" + s.acksProcessed() + " cwndMeanSeg=" + String.format("%.1f", s.meanCwndAtAck() / s.mss())
                    + " acksInRecovery=" + s.acksInRecovery() + probeFile);
            System.out.flush();
        });
    }
}
