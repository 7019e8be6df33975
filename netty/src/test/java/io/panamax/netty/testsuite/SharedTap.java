package io.panamax.netty.testsuite;

import io.panamax.netty.PanamaxEventLoopGroup;
import io.panamax.nic.linux.NetworkNamespace;
import io.panamax.nic.tap.TapNic;
import io.panamax.reactor.testing.Environment;
import io.panamax.stack.Stack;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;

import java.lang.reflect.Method;

import java.util.concurrent.TimeUnit;

/**
 * One stack on TAP (two shards, in a namespace of its own) for every class of Netty's test suite
 * in the run: made by the first class, closed with a leak check when the whole run ends (the
 * root context's store closes it). Each class carries {@code @ExtendWith(SharedTap.class)}.
 *
 * <p>Every test method runs with its thread inside the namespace: the kernel sockets Netty's tests
 * open themselves (a {@code java.net.ServerSocket}, an NIO client) are the namespace's, where the
 * TAP device and the stack's address are. The stack's own threads are not moved: its TAP file
 * descriptor already belongs to the namespace.
 */
public final class SharedTap implements BeforeAllCallback, InvocationInterceptor {
    static final String HOST_IP = "10.7.0.1";
    static final String STACK_IP = "10.7.0.2";

    private static volatile SharedTap.Running running;

    record Running(NetworkNamespace ns, Stack stack, PanamaxEventLoopGroup group)
            implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() throws Exception {
            try {
                group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
                stack.close();
                String leaks = stack.leaksAtClose();
                if (leaks != null) {
                    throw new AssertionError("Netty test suite leaked stack buffers: " + leaks);
                }
            } finally {
                ns.close();
                running = null;
            }
        }
    }

    static Running get() {
        Running r = running;
        if (r == null) {
            throw new IllegalStateException("no shared TAP stack: annotate the test class with @ExtendWith(SharedTap.class)");
        }
        return r;
    }

    @Override
    public void interceptTestMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> invocationContext,
                                    ExtensionContext extensionContext) throws Throwable {
        inNamespace(invocation);
    }

    @Override
    public void interceptTestTemplateMethod(Invocation<Void> invocation,
                                            ReflectiveInvocationContext<Method> invocationContext,
                                            ExtensionContext extensionContext) throws Throwable {
        inNamespace(invocation);
    }

    private static void inNamespace(Invocation<Void> invocation) throws Throwable {
        try {
            get().ns().callInside(() -> {
                try {
                    return invocation.proceed();
                } catch (Exception | Error e) {
                    throw e;
                } catch (Throwable t) {
                    throw new Exception(t);
                }
            });
        } catch (Exception e) {
            throw e;
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        synchronized (SharedTap.class) {
            if (running != null) {
                return;
            }
            Environment.requireRoot("creates a network namespace and a TAP device");
            NetworkNamespace ns = NetworkNamespace.createUnique("pmx-nts");
            try {
                String tap = "pmxs" + (ProcessHandle.current().pid() % 100000);
                Stack stack = Stack.builder()
                        .nic(queues -> TapNic.builder().name(tap).namespace(ns).queues(1)
                                .kernelAddress(HOST_IP + "/24").kernelIpv6(false).open())
                        .ipv4(STACK_IP + "/24").shards(2)
                        // Off-link destinations (the suite's unroutable BAD_HOST) go to the kernel,
                        // which forwards nothing out of the namespace: a connect there stays pending.
                        .gateway(HOST_IP)
                        .reactorSettings(r -> PanamaxEventLoopGroup.SHARD_THREADS.accept(r.pinThreads(false).buffersPerShard(16384)))
                        .start();
                Running r = new Running(ns, stack, new PanamaxEventLoopGroup(stack));
                running = r;
                context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL).put(SharedTap.class, r);
            } catch (Exception | Error e) {
                ns.close();
                throw e;
            }
        }
    }
}
