package io.panamax.samples.minimal;

import io.panamax.nic.linux.NetworkNamespace;
import io.panamax.nic.tap.TapNic;
import io.panamax.reactor.ShardFuture;
import io.panamax.stack.Stack;

import java.time.Duration;

/**
 * The smallest complete Panamax server, the one the top-level README shows: a TCP echo on port 7
 * over a TAP device whose kernel end lives in a network namespace, so that clients in that
 * namespace ({@code ip netns exec panamax nc 10.7.0.2 7}) reach the stack, and nothing else on the
 * machine sees it. Ctrl-C (or SIGTERM) closes the stack and removes what it created.
 *
 * <p>Run as root: {@code java --enable-native-access=ALL-UNNAMED -cp ... io.panamax.samples.minimal.MinimalServer
 * [NAMESPACE [TAP]]}.
 */
public final class MinimalServer {
    private MinimalServer() {
    }

    public static void main(String[] args) throws Exception {
        String netns = args.length > 0 ? args[0] : "panamax";
        String tap = args.length > 1 ? args[1] : "pmx0";
        // The namespace the clients run in (created unless it exists; removed at exit if created here).
        NetworkNamespace ns = NetworkNamespace.openOrCreate(netns);
        Stack stack = Stack.builder()
                // A TAP device: the stack owns one end; the kernel's end, 10.7.0.1, is in the namespace.
                .nic(queues -> TapNic.builder().name(tap).namespace(ns).queues(queues).kernelAddress("10.7.0.1/24").open())
                .ipv4("10.7.0.2/24")
                .shards(2)
                .start()
                .closeOnShutdown(ns); // at Ctrl-C or SIGTERM: the stack, then the namespace
        // One listener per shard (flows are spread over the shards by RSS); each connection lives on
        // one shard, and its futures complete on that shard's thread.
        stack.await(stack.onEveryShard(s -> s.tcp().listen(7, conn -> conn.readLoop(data -> {
            if (data.length() == 0) { // the peer closed its side: close ours, end the loop
                data.release();
                return conn.close().then(v -> ShardFuture.stop());
            }
            return conn.write(data).then(v -> ShardFuture.next()); // the received buffers go back out, no copy
        }))), Duration.ofSeconds(10));
        System.out.println("echo on 10.7.0.2:7; try: echo hello | ip netns exec " + netns + " nc -N 10.7.0.2 7");
        // The shard threads keep the JVM running until Ctrl-C.
    }
}
