package io.panamax.benchmarks.suite;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The namespace arrangement of the end-to-end benchmarks, made by the suite and removed when it
 * closes: a client namespace where every client runs (ping, wrk, the request/response client),
 * and a kernel-server namespace joined to it by a veth pair, where the kernel peer answers.
 * The Panamax server's TAP device is created inside the client namespace by the server itself
 * (its kernel side is the client's address on the TAP subnet), so both paths start in the same
 * client namespace:
 *
 * <pre>
 *   client ns:  tap kernel side 10.7.0.1/24  ── TAP ──  Panamax (user space) 10.7.0.2
 *               veth 10.8.0.1/24             ── veth ── kernel-server ns: 10.8.0.2/24 (kernel, Netty)
 * </pre>
 * Nothing in them is routed anywhere else.
 */
final class Netns implements AutoCloseable {
    static final String STACK_IP = "10.7.0.2";
    static final String TAP_HOST_CIDR = "10.7.0.1/24";
    static final String STACK_CIDR = "10.7.0.2/24";
    static final String VETH_CLIENT_CIDR = "10.8.0.1/24";
    static final String KERNEL_IP = "10.8.0.2";
    private static final Duration T = Duration.ofSeconds(20);
    private static final AtomicInteger SEQ = new AtomicInteger();
    /** The arrangements not yet closed: the suite's shutdown hook removes them. */
    private static final java.util.Set<Netns> OPEN = java.util.concurrent.ConcurrentHashMap.newKeySet();

    final String client;
    final String server;
    final String vethClient;
    final String vethServer;
    private boolean closed;

    private Netns(String client, String server, String vethClient, String vethServer) {
        this.client = client;
        this.server = server;
        this.vethClient = vethClient;
        this.vethServer = vethServer;
    }

    /** Creates both namespaces and the veth pair between them. */
    static Netns create() throws IOException, InterruptedException {
        long pid = ProcessHandle.current().pid();
        int n = SEQ.incrementAndGet();
        String base = "pmx-bench-" + pid + "-" + n;
        String tag = Long.toString(pid % 100000) + n;
        Netns ns = new Netns(base + "-c", base + "-k", "pmxc" + tag, "pmxk" + tag);
        OPEN.add(ns);
        try {
            ns.setUp();
        } catch (IOException | InterruptedException | RuntimeException e) {
            ns.close();
            throw e;
        }
        return ns;
    }

    private void setUp() throws IOException, InterruptedException {
        for (String n : List.of(client, server)) {
            Cmd.run(T, "ip", "netns", "add", n).orThrow("ip netns add " + n);
            Cmd.run(T, in(n, "ip", "link", "set", "lo", "up")).orThrow("lo up in " + n);
        }
        Cmd.run(T, "ip", "link", "add", vethClient, "netns", client, "type", "veth", "peer", "name", vethServer, "netns", server)
                .orThrow("veth pair");
        Cmd.run(T, in(client, "ip", "addr", "add", VETH_CLIENT_CIDR, "dev", vethClient)).orThrow("address " + vethClient);
        Cmd.run(T, in(server, "ip", "addr", "add", KERNEL_IP + "/24", "dev", vethServer)).orThrow("address " + vethServer);
        Cmd.run(T, in(client, "ip", "link", "set", vethClient, "up")).orThrow("up " + vethClient);
        Cmd.run(T, in(server, "ip", "link", "set", vethServer, "up")).orThrow("up " + vethServer);
        // The first ping resolves ARP and proves the path.
        Cmd.run(T, in(client, "ping", "-c", "1", "-W", "2", KERNEL_IP)).orThrow("ping over the veth pair");
    }

    /** The line a section's commands begin with: the namespaces and veth ends this run made. */
    String describe() {
        return Fmt.f("# namespaces: client %s, kernel server %s; veth %s (%s) -- %s (%s/24)%n",
                client, server, vethClient, VETH_CLIENT_CIDR, vethServer, KERNEL_IP);
    }

    /** A TAP device name for this suite process: {@code prefix} and the process id's last digits. */
    static String tapName(String prefix) {
        return prefix + (ProcessHandle.current().pid() % 10000);
    }

    /** Removes every arrangement still open (on an interrupted run). */
    static void closeAll() {
        for (Netns ns : OPEN) {
            try {
                ns.close();
            } catch (IOException | InterruptedException e) {
                // best effort while the JVM stops
            }
        }
    }

    /** {@code command} run inside namespace {@code ns}. */
    static List<String> in(String ns, String... command) {
        return in(ns, List.of(command));
    }

    static List<String> in(String ns, List<String> command) {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        c.addAll(command);
        return c;
    }

    @Override
    public synchronized void close() throws IOException, InterruptedException {
        if (closed) {
            return;
        }
        closed = true;
        OPEN.remove(this);
        for (String n : List.of(client, server)) {
            if (java.nio.file.Files.exists(java.nio.file.Path.of("/var/run/netns", n))) {
                Cmd.run(T, "ip", "netns", "del", n); // the veth pair goes with them
            }
        }
    }
}
