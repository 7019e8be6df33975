package io.panamax.benchmarks.e2e;

import io.panamax.nic.linux.NetworkNamespace;
import io.panamax.nic.tap.TapNic;
import io.panamax.reactor.Future;
import io.panamax.reactor.IdlePolicy;
import io.panamax.stack.Stack;
import io.panamax.tcp.TcpConnection;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * A one-shard stack on a TAP device inside an existing namespace, answering ping (ICMP echo) and
 * TCP echo on port 7, with a chosen idle policy: what {@code bin/panamax echo} serves, but with
 * {@code --idle busy} the shard never parks (the sample's default spins briefly, then parks for up
 * to 100 µs). Prints {@code ready} when up; runs until SIGTERM, then removes its TAP device.
 *
 * <pre>
 *   java -cp benchmarks.jar io.panamax.benchmarks.e2e.TapStackServer --netns NS --tap pmx1 [--idle busy|default]
 *        [--host-ip 10.7.0.1/24] [--ip 10.7.0.2/24]
 * </pre>
 */
public final class TapStackServer {
    private TapStackServer() {
    }

    public static void main(String[] args) throws Exception {
        String netns = null;
        String tap = "pmx1";
        String idle = "busy";
        String hostIp = "10.7.0.1/24";
        String ip = "10.7.0.2/24";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--netns" -> netns = args[++i];
                case "--tap" -> tap = args[++i];
                case "--idle" -> idle = args[++i];
                case "--host-ip" -> hostIp = args[++i];
                case "--ip" -> ip = args[++i];
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (netns == null) {
            throw new IllegalArgumentException("--netns NS is required (TAP runs happen inside a namespace)");
        }
        IdlePolicy policy = idle.equals("busy") ? IdlePolicy.busyPoll() : IdlePolicy.defaults();
        NetworkNamespace ns = NetworkNamespace.existing(netns);
        String device = tap;
        String kernelSide = hostIp;
        Stack stack = Stack.builder().ipv4(ip).shards(1)
                .reactorSettings(r -> r.idlePolicy(policy).pinThreads(false))
                .nic(queues -> TapNic.builder().name(device).namespace(ns).queues(1).kernelAddress(kernelSide)
                        .kernelIpv6(false).open())
                .start();
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.countDown();
            stack.close();
        }));
        stack.await(stack.onEveryShard(s -> s.tcp().listen(7, TapStackServer::echo)), Duration.ofSeconds(30));
        System.out.println("ready " + ip + " on " + tap + " in " + netns + ", idle policy " + idle);
        System.out.flush();
        stop.await();
    }

    private static void echo(TcpConnection c) {
        c.setNoDelay(true);
        Future.repeat(() -> c.read().then(data -> {
            if (data.isEmpty()) {
                data.release();
                return Future.stop();
            }
            return c.write(data).map(v -> Boolean.FALSE);
        })).then(v -> c.close()).recover(e -> {
            c.abort();
            return null;
        });
    }
}
