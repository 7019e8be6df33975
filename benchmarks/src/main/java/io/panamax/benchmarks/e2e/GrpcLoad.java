package io.panamax.benchmarks.e2e;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.netty.util.ResourceLeakDetector;
import io.panamax.netty.Greeter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A closed-loop load generator for the gRPC hello-world unary call (ghz is not packaged here):
 * {@code --connections C} HTTP/2 connections (grpc-netty on the kernel, Netty's default transport),
 * {@code --concurrency N} calls in flight in all, each issuing the next as soon as its answer
 * arrives; an unmeasured warm-up, then the measured window, which starts with a line
 * {@code measuring} and ends with {@code measured}; then one line of results:
 * {@code qps=... p50_ms=... p99_ms=... calls=... errors=...}. Latency from a histogram of 1 µs
 * buckets up to 1 s (slower calls count in the last bucket).
 *
 * <pre>
 *   java -cp benchmarks.jar io.panamax.benchmarks.e2e.GrpcLoad --target 10.7.0.2:50051 --connections 4 \
 *       --concurrency 64 --seconds 10 --warmup 5
 * </pre>
 */
public final class GrpcLoad {
    /** The Greeter's call, as the transport's own gRPC test makes it (panamax-netty's test jar). */
    private static final MethodDescriptor<byte[], byte[]> SAY_HELLO = Greeter.SAY_HELLO;
    private static final int BUCKETS = 1_000_000;

    private final AtomicLongArray histogram = new AtomicLongArray(BUCKETS);
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private volatile boolean measuring;
    private volatile boolean stopping;
    private final byte[] name = "world".getBytes(StandardCharsets.UTF_8);

    private GrpcLoad() {
    }

    public static void main(String[] args) throws Exception {
        // The load generator is no system under test: Netty's leak detector (by default a stack
        // trace for 1 allocation in 128) took 9 % of its calling thread's samples (perf, issue 12),
        // and this client is what bounds the call rate on one CPU.
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        String target = null;
        int connections = 4;
        int concurrency = 64;
        double seconds = 10;
        double warmup = 5;
        for (int i = 0; i < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--target" -> target = v;
                case "--connections" -> connections = Integer.parseInt(v);
                case "--concurrency" -> concurrency = Integer.parseInt(v);
                case "--seconds" -> seconds = Double.parseDouble(v);
                case "--warmup" -> warmup = Double.parseDouble(v);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (target == null) {
            throw new IllegalArgumentException("--target HOST:PORT is required");
        }
        new GrpcLoad().run(target, connections, concurrency, seconds, warmup);
    }

    private void run(String target, int connections, int concurrency, double seconds, double warmup) throws Exception {
        List<ManagedChannel> channels = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            channels.add(NettyChannelBuilder.forTarget(target).usePlaintext().directExecutor().build());
        }
        try {
            // One call per channel first: the connections are up before the clock starts.
            for (ManagedChannel ch : channels) {
                ClientCalls.blockingUnaryCall(ch, SAY_HELLO, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS), name);
            }
            for (int i = 0; i < concurrency; i++) {
                call(channels.get(i % connections));
            }
            Thread.sleep((long) (warmup * 1000));
            long c0 = calls.get();
            measuring = true;
            long t0 = System.nanoTime();
            // Lines a harness can wait for, to take the server's CPU over the same window.
            System.out.println("measuring");
            System.out.flush();
            Thread.sleep((long) (seconds * 1000));
            measuring = false;
            long t1 = System.nanoTime();
            System.out.println("measured");
            System.out.flush();
            long n = calls.get() - c0;
            stopping = true;
            double qps = n / ((t1 - t0) / 1e9);
            System.out.printf(Locale.ROOT, "qps=%.1f p50_ms=%.3f p99_ms=%.3f calls=%d errors=%d%n", qps, percentile(0.50) / 1000.0,
                    percentile(0.99) / 1000.0, n, errors.get());
        } finally {
            for (ManagedChannel ch : channels) {
                ch.shutdownNow();
            }
            for (ManagedChannel ch : channels) {
                ch.awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    /** One call; its completion records the latency and starts the next on the same channel. */
    private void call(ManagedChannel ch) {
        if (stopping) {
            return;
        }
        long start = System.nanoTime();
        ClientCalls.asyncUnaryCall(ch.newCall(SAY_HELLO, CallOptions.DEFAULT), name, new StreamObserver<>() {
            @Override
            public void onNext(byte[] value) {
            }

            @Override
            public void onError(Throwable t) {
                errors.incrementAndGet();
                call(ch);
            }

            @Override
            public void onCompleted() {
                calls.incrementAndGet();
                if (measuring) {
                    long us = (System.nanoTime() - start) / 1000;
                    histogram.incrementAndGet((int) Math.min(us, BUCKETS - 1));
                }
                call(ch);
            }
        });
    }

    /** The latency in µs below which {@code q} of the measured calls fall. */
    private double percentile(double q) {
        long total = 0;
        for (int i = 0; i < BUCKETS; i++) {
            total += histogram.get(i);
        }
        long want = (long) Math.ceil(total * q);
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += histogram.get(i);
            if (seen >= want && seen > 0) {
                return i + 0.5;
            }
        }
        return Double.NaN;
    }
}
