package io.panamax.netty;

import io.panamax.nic.linux.NetworkNamespace;
import io.panamax.nic.tap.TapNic;
import io.panamax.reactor.testing.Environment;
import io.panamax.stack.Stack;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * A stack on a TAP device in a namespace made for the test, with a {@link PanamaxEventLoopGroup}
 * over it. The kernel's side of the TAP is {@link #HOST_IP}; the stack is {@link #STACK_IP}.
 * Kernel peers (sockets of the JDK, commands) are made inside the namespace.
 */
final class TapStack implements AutoCloseable {
    static final String HOST_IP = "10.7.0.1";
    static final String STACK_IP = "10.7.0.2";
    static final Duration T = Duration.ofSeconds(60);

    final NetworkNamespace ns;
    final Stack stack;
    final PanamaxEventLoopGroup group;

    private TapStack(NetworkNamespace ns, Stack stack) {
        this.ns = ns;
        this.stack = stack;
        this.group = new PanamaxEventLoopGroup(stack);
    }

    static TapStack start(String prefix, int shards, String... commands) throws Exception {
        Environment.requireRoot("creates a network namespace and a TAP device");
        if (commands.length > 0) {
            Environment.requireCommands(commands);
        }
        NetworkNamespace ns = NetworkNamespace.createUnique(prefix);
        try {
            String tap = "pmxn" + (ProcessHandle.current().pid() % 100000);
            Stack stack = Stack.builder()
                    .nic(queues -> TapNic.builder().name(tap).namespace(ns).queues(1).kernelAddress(HOST_IP + "/24")
                            .kernelIpv6(false).open())
                    .ipv4(STACK_IP + "/24").shards(shards)
                    .reactorSettings(r -> r.pinThreads(false).buffersPerShard(16384))
                    .start();
            return new TapStack(ns, stack);
        } catch (Exception | Error e) {
            ns.close();
            throw e;
        }
    }

    /** Runs {@code action} with the calling thread in the namespace: sockets it opens are the kernel's there. */
    <T> T inside(Callable<T> action) throws Exception {
        return ns.callInside(action);
    }

    /** Shuts the group down, stops the stack, deletes the namespace; returns the stack's leak report (null: none). */
    String stop() throws Exception {
        try {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
            stack.close();
            return stack.leaksAtClose();
        } finally {
            ns.close();
        }
    }

    @Override
    public void close() throws Exception {
        stop();
    }
}
