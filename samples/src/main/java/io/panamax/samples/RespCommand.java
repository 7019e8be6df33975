package io.panamax.samples;

import io.panamax.ip.Ipv4Address;
import io.panamax.nic.linux.NetworkNamespace;
import io.panamax.nic.tap.TapNic;
import io.panamax.samples.resp.RespServer;
import io.panamax.stack.Stack;

import java.io.PrintStream;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * {@code bin/panamax redis}: the RESP2 key-value sample ({@link RespServer}) on a TAP device inside
 * a network namespace, until SIGINT or SIGTERM; then it closes the stack and removes what it made.
 */
final class RespCommand {
    static final String HELP = """
            usage: bin/panamax redis [options]

            Runs a key-value server that speaks the Redis protocol (RESP2: PING ECHO SET GET DEL INCR
            QUIT), its keys split over the shards by hash, on a TAP device. redis-cli and
            redis-benchmark (Debian: redis-tools) reach it from inside the namespace.

              --netns NAME     network namespace for the TAP and its clients (default: panamax,
                               created if missing and removed on exit)
              --tap NAME       TAP interface name (default: pmx0)
              --host-ip CIDR   the kernel side's address on the TAP (default: 10.7.0.1/24)
              --ip CIDR        the stack's address (default: 10.7.0.2/24)
              --shards N       shards, one thread per core (default: the number of cores)
              --port PORT      the port (default: 6379)
              --help           this text
            """;
    private static final Set<String> VALUED = Set.of("netns", "tap", "host-ip", "ip", "shards", "port");

    private RespCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Options o = Options.parse(args, VALUED, Set.of("help"));
        if (o.has("help")) {
            out.print(HELP);
            return 0;
        }
        if (!o.positional().isEmpty()) {
            throw new UsageException("unexpected argument '" + o.positional().getFirst() + "' (see --help)");
        }
        String netns = o.get("netns", "panamax");
        String tap = o.get("tap", "pmx0");
        String hostIp = o.get("host-ip", "10.7.0.1/24");
        String ip = o.get("ip", "10.7.0.2/24");
        int shards = o.intValue("shards", Runtime.getRuntime().availableProcessors(), 1, 256);
        int port = o.intValue("port", RespServer.DEFAULT_PORT, 1, 65535);
        String address;
        try {
            address = Ipv4Address.toString(Ipv4Address.Prefix.parse(ip).address());
            Ipv4Address.Prefix.parse(hostIp);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        if (!Privileges.isRoot()) {
            err.println("panamax redis: needs root (a TAP device and a network namespace)");
            return 1;
        }
        try (NetworkNamespace ns = NetworkNamespace.openOrCreate(netns);
             Stack stack = Stack.builder()
                     .nic(queues -> TapNic.builder().name(tap).namespace(ns).queues(queues).kernelAddress(hostIp).open())
                     .ipv4(ip).shards(shards).start()) {
            RespServer.listen(stack, port);
            String in = "ip netns exec " + netns + " ";
            out.println("RESP (Redis protocol) server on " + address + ":" + port + ", " + shards + " shard(s). Try:");
            List<String> commands = List.of(
                    in + "redis-cli -h " + address + " -p " + port + " SET greeting hello",
                    in + "redis-cli -h " + address + " -p " + port + " GET greeting",
                    in + "redis-benchmark -h " + address + " -p " + port + " -t ping,set,get,incr -q");
            commands.forEach(c -> out.println("  " + c));
            ClientTools.missingHint(commands).ifPresent(out::println);
            out.println("Stop with Ctrl-C.");
            out.flush();
            CountDownLatch stop = new CountDownLatch(1);
            StopSignals.install(stop::countDown);
            stop.await();
            out.println("stopping");
            return 0;
        } catch (Exception e) {
            err.println("panamax redis: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            return 1;
        }
    }
}
