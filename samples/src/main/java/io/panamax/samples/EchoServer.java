package io.panamax.samples;

import io.panamax.ip.Ipv4Address;
import io.panamax.nic.MacAddress;
import io.panamax.nic.Nic;
import io.panamax.nic.capture.CaptureConfig;
import io.panamax.nic.capture.CapturingNic;
import io.panamax.nic.linux.NetworkNamespace;
import io.panamax.nic.tap.TapNic;
import io.panamax.reactor.IdlePolicy;
import io.panamax.reactor.metrics.MetricsRegistry;
import io.panamax.http.HttpConfig;
import io.panamax.http.HttpServer;
import io.panamax.http.HttpsEndpoint;
import io.panamax.samples.iperf.Iperf3Server;
import io.panamax.stack.Sharded;
import io.panamax.stack.Stack;
import io.panamax.tls.TlsConfig;
import io.panamax.tls.TlsContext;
import io.panamax.tls.TlsCredentials;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The running echo sample: the namespace and NIC it set up, the stack, and the services on it.
 * Closing it stops the stack and removes what it created, once.
 */
final class EchoServer implements AutoCloseable {
    private static final Duration T = Duration.ofSeconds(30);

    private final EchoCommand.EchoSettings settings;
    private final NetworkNamespace namespace;
    private final Stack stack;
    /** The HTTP echo server on every shard, or null when it is off. */
    private final Sharded<HttpServer> http;
    /** The certificate HTTPS clients should trust: the generated one, or --cert; null without HTTPS. */
    private final Path certificate;
    /** The iperf3 server on every shard, or null when it is off. */
    private final Sharded<Iperf3Server> iperf;
    private boolean closed;

    private EchoServer(EchoCommand.EchoSettings settings, NetworkNamespace namespace, Stack stack, Sharded<HttpServer> http,
                       Path certificate, Sharded<Iperf3Server> iperf) {
        this.settings = settings;
        this.namespace = namespace;
        this.stack = stack;
        this.http = http;
        this.certificate = certificate;
        this.iperf = iperf;
    }

    static EchoServer start(EchoCommand.EchoSettings s, PrintStream out) throws Exception {
        if (!Privileges.isRoot()) {
            throw new IllegalStateException("needs root (or CAP_NET_ADMIN and CAP_SYS_ADMIN) for the TAP device"
                    + (s.inNamespace() ? " and the network namespace" : "") + "; run it with sudo");
        }
        // Certificates first: a bad --cert or --key is reported before any device is touched.
        TlsCredentials credentials = s.tlsPort() == 0 ? null : credentials(s);
        NetworkNamespace ns = null;
        Stack stack = null;
        // Set once this run has made the af_xdp veth pair: only then is it ours to delete.
        AtomicBoolean vethMade = new AtomicBoolean();
        try {
            if (s.inNamespace()) {
                ns = NetworkNamespace.openOrCreate(s.netns());
            }
            NetworkNamespace inside = ns;
            // TCP's defaults: receive buffers autotuned up to 4 MiB (the iperf3 server's streams too).
            Stack.Builder builder = Stack.builder().shards(s.shards());
            if (Boolean.getBoolean("panamax.echo.busyPoll")) {
                // For A/B measurements (docs/dpdk.md): shards that never sleep.
                builder.reactorSettings(r -> r.idlePolicy(IdlePolicy.busyPoll()));
            } else if (System.getProperty("panamax.echo.cheapPollSpinMicros") != null) {
                // For A/B measurements: the spin before an af_xdp shard sleeps on its socket (0: 8 iterations only).
                long micros = Long.getLong("panamax.echo.cheapPollSpinMicros");
                builder.reactorSettings(r -> r.idlePolicy(IdlePolicy.defaults().withCheapPollSpin(java.time.Duration.ofNanos(micros * 1000))));
            } else if (System.getProperty("panamax.echo.idlePollMicros") != null) {
                // For A/B measurements: the longest adaptive poll before a TAP shard sleeps in ppoll (0: 8 iterations only).
                long micros = Long.getLong("panamax.echo.idlePollMicros");
                builder.reactorSettings(r -> r.idlePolicy(IdlePolicy.defaults().withIdlePoll(java.time.Duration.ofNanos(micros * 1000))));
            }
            if (s.ip() == null) {
                builder.ipv4Dhcp();
            } else {
                builder.ipv4(s.ip().toString());
            }
            if (s.gateway() != null) {
                builder.gateway(s.gateway());
            }
            if (s.ip6() != null) {
                builder.ipv6(s.ip6().toString());   // the TCP listeners take both families
            }
            if (s.dpdk()) {
                builder.nic(queues -> capturing(s, DpdkBackend.open(s, inside, queues, vethMade)));
                if (s.dpdkOwnTap()) {
                    // DPDK's TAP driver gives the kernel interface the port's MAC, and Linux
                    // ignores ARP from its own address: the stack takes an address of its own.
                    builder.mac(MacAddress.randomLocal(new SecureRandom()));
                }
            } else {
                builder.nic(queues -> capturing(s, openTap(s, inside, queues)));
            }
            stack = builder.start();
            if (s.dpdkOwnTap() || s.dpdkOwnVeth()) {
                DpdkBackend.addressKernelSide(s, inside);
            }
            EchoServices.install(stack);
            HttpConfig httpConfig = s.http();
            HttpsEndpoint https = credentials == null ? null : new HttpsEndpoint(s.tlsPort(), TlsContext.create(
                    TlsConfig.builder().credentials(credentials).applicationProtocols(HttpsEndpoint.ALPN).build()));
            Sharded<HttpServer> http = httpConfig == null ? null : HttpServer.start(stack, httpConfig, https);
            Sharded<Iperf3Server> iperf = s.iperfPort() == 0 ? null : Iperf3Server.start(stack, s.iperfPort());
            return new EchoServer(s, ns, stack, http, credentials == null ? null : credentials.certificateFile().orElse(s.cert()),
                    iperf);
        } catch (Exception | Error e) {
            if (stack != null) {
                stack.close();
            }
            if (vethMade.get()) {
                removeVethPair(s, ns);
            }
            if (ns != null && ns.owned()) {
                ns.close();
            }
            throw e;
        }
    }

    /** A veth pair made for af_xdp outlives the stack in a namespace this sample did not create. */
    private static void removeVethPair(EchoCommand.EchoSettings s, NetworkNamespace ns) {
        if (s.dpdkOwnVeth() && (ns == null || !ns.owned())) {
            DpdkBackend.deleteVethPair(s, ns);
        }
    }

    /**
     * The HTTPS certificate: {@code --cert}/{@code --key}, or a self-signed one for the stack's
     * addresses (IPv4, and IPv6 unless {@code --no-ip6}: curl checks the iPAddress names against
     * the address it connected to) and localhost.
     */
    private static TlsCredentials credentials(EchoCommand.EchoSettings s) throws IOException {
        try {
            if (s.selfSigned()) {
                return TlsCredentials.selfSigned(s.tlsDir(), certificateNames(s).toArray(String[]::new));
            }
            return TlsCredentials.fromPem(s.cert(), s.key());
        } catch (IOException | RuntimeException e) {
            throw new IOException((s.selfSigned() ? "cannot make a self-signed certificate in " + s.tlsDir()
                    : "cannot load --cert " + s.cert() + " / --key " + s.key()) + ": " + e.getMessage(), e);
        }
    }

    /** The names of the self-signed certificate: the first (IPv4's, or localhost with --ip dhcp, whose address is not known yet) names its files. */
    private static List<String> certificateNames(EchoCommand.EchoSettings s) {
        List<String> names = new ArrayList<>();
        if (s.ip() != null) {
            names.add(Ipv4Address.toString(s.ip().address()));
        }
        if (s.ip6() != null) {
            names.add(io.panamax.ip.Ipv6Address.toString(s.ip6().high(), s.ip6().low()));
        }
        names.add("localhost");
        return names;
    }

    /**
     * With {@code --capture FILE}, records every frame the NIC receives and sends into FILE (the
     * pcapng file Wireshark opens; a user-space stack is invisible to tcpdump).
     */
    private static Nic capturing(EchoCommand.EchoSettings s, Nic nic) throws IOException {
        if (s.capture() == null) {
            return nic;
        }
        try {
            return CapturingNic.wrap(nic, CaptureConfig.of(s.capture()));
        } catch (IOException | RuntimeException e) {
            nic.close();
            throw e;
        }
    }

    private static TapNic openTap(EchoCommand.EchoSettings s, NetworkNamespace ns, int queues) throws IOException {
        TapNic.Builder b = TapNic.builder()
                .name(s.tap())
                .queues(queues)
                .multiQueue(queues > 1)
                .kernelAddress(s.hostIp().toString())
                .kernelIpv6(s.ip6() != null)
                .offloads(s.tapOffloads());
        if (ns != null) {
            b.namespace(ns);
        }
        TapNic nic = b.open();
        if (s.ip6() != null) {
            // nodad: the kernel's address is usable at once, without duplicate address detection.
            String[] add = {"ip", "-6", "addr", "add", s.hostIp6().toString(), "dev", s.tap(), "nodad"};
            (ns != null ? ns.exec(Duration.ofSeconds(10), add) : NetworkNamespace.run(Duration.ofSeconds(10), add))
                    .orThrow("the kernel side's IPv6 address");
        }
        return nic;
    }

    /** The commands a user can run to reach the services. */
    void printHowToReach(PrintStream out) {
        String ip = Ipv4Address.toString(stack.address().address());
        String in = settings.inNamespace() ? "ip netns exec " + settings.netns() + " " : "";
        out.println("Panamax is up: " + stack.address() + (settings.ip() == null ? " (DHCP)" : "") + " on " + stack.nic().name() + " ("
                + stack.shardCount() + " shard" + (stack.shardCount() == 1 ? "" : "s") + ", MAC "
                + stack.shard(0).ethernet().macAddress() + ")");
        if (settings.inNamespace()) {
            out.println("The TAP device and its kernel side (" + settings.hostIp()
                    + (settings.ip6() != null && (!settings.dpdk() || settings.dpdkOwnTap() || settings.dpdkOwnVeth()) ? ", " + settings.hostIp6() : "")
                    + ") live in the network namespace '"
                    + settings.netns() + "'. Try:");
        } else {
            out.println("Try:");
        }
        List<String> commands = tryCommands(in, ip);
        for (String c : commands) {
            out.println("  " + c);
        }
        ClientTools.missingHint(commands).ifPresent(out::println);
        if (certificate != null) {
            out.println("HTTPS on port " + settings.tlsPort() + " uses " + (settings.selfSigned()
                    ? "a self-signed certificate (for " + String.join(", ", certificateNames(settings)) + "): " : "the certificate ") + certificate);
        }
        if (stack.nic() instanceof CapturingNic c) {
            out.println("Every frame received and sent is written to " + c.currentFile() + " (open it with Wireshark).");
        }
        out.println("Stop with Ctrl-C.");
    }

    /** Commands that reach what is running, and only that: each service adds its own. */
    private List<String> tryCommands(String in, String ip) {
        List<String> commands = new ArrayList<>(List.of(
                in + "ping -c 3 " + ip,
                in + "arping -c 3 -I " + settings.tap() + " " + ip,
                "echo hello | " + in + "socat - UDP:" + ip + ":7",
                "echo hello | " + in + "nc -N " + ip + " 7",
                "head -c 100M /dev/zero | " + in + "nc -N " + ip + " 9"));
        if (http != null) {
            String base = "http://" + ip + ":" + settings.httpPort();
            commands.add(in + "curl " + base + "/hello");
            commands.add(in + "curl -d 'hello, panamax' " + base + "/echo");
            commands.add("seq 1000 | " + in + "curl -T - -H 'Transfer-Encoding: chunked' " + base + "/upload");
            commands.add(in + "curl " + base + "/metrics");
            commands.add(in + "wrk -t1 -c10 -d5s " + base + "/");
        }
        if (certificate != null) {
            String tls = "https://" + ip + ":" + settings.tlsPort();
            commands.add(in + "curl --cacert " + certificate + " " + tls + "/hello");
            commands.add("printf 'GET / HTTP/1.1\\r\\nHost: " + ip + "\\r\\nConnection: close\\r\\n\\r\\n' | " + in
                    + "openssl s_client -quiet -CAfile " + certificate + " -connect " + ip + ":" + settings.tlsPort());
        }
        if (iperf != null) {
            commands.add(in + "iperf3 -c " + ip + (settings.iperfPort() == Iperf3Server.DEFAULT_PORT ? "" : " -p " + settings.iperfPort())
                    + " -t 5");
        }
        if (settings.ip6() != null) {
            String ip6 = io.panamax.ip.Ipv6Address.toString(settings.ip6().high(), settings.ip6().low());
            commands.add(in + "ping -6 -c 3 " + ip6);
            commands.add("echo hello | " + in + "socat - UDP6:[" + ip6 + "]:7");
            commands.add("echo hello | " + in + "nc -6 -N " + ip6 + " 7");
            if (http != null) {
                commands.add(in + "curl -g 'http://[" + ip6 + "]:" + settings.httpPort() + "/hello'");
            }
            if (certificate != null) {
                commands.add(in + "curl -g --cacert " + certificate + " 'https://[" + ip6 + "]:" + settings.tlsPort() + "/hello'");
            }
            if (iperf != null) {
                commands.add(in + "iperf3 -6 -c " + ip6 + (settings.iperfPort() == Iperf3Server.DEFAULT_PORT ? "" : " -p " + settings.iperfPort())
                        + " -t 5");
            }
        }
        return commands;
    }

    /** Prints a status line every interval until {@code stop} opens (or just waits if off). */
    void runStatusLoop(CountDownLatch stop, PrintStream out) throws InterruptedException {
        if (settings.statusSeconds() == 0) {
            stop.await();
            return;
        }
        long interval = settings.statusSeconds() * 1000L;
        MetricsRegistry metrics = stack.reactor().metrics();
        StatusLine.Sample last = StatusLine.Sample.of(stack.nic().totals(), metrics.valuesByKey());
        while (!stop.await(interval, TimeUnit.MILLISECONDS)) {
            StatusLine.Sample now = StatusLine.Sample.of(stack.nic().totals(), metrics.valuesByKey());
            out.println(StatusLine.format(last, now, interval / 1000.0, http != null));
            last = now;
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<String> problems = new ArrayList<>();
        if (http != null) {
            try {
                http.close();
            } catch (RuntimeException e) {
                problems.add("stopping the HTTP server: " + e.getMessage());
            }
        }
        if (iperf != null) {
            try {
                iperf.close();
            } catch (RuntimeException e) {
                problems.add("stopping the iperf3 server: " + e.getMessage());
            }
        }
        try {
            stack.close();
        } catch (RuntimeException e) {
            problems.add("stopping the stack: " + e.getMessage());
        }
        removeVethPair(settings, namespace);
        if (namespace != null && namespace.owned()) {
            try {
                namespace.close();
            } catch (IOException e) {
                problems.add("removing namespace " + namespace.name() + ": " + e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            System.err.println("panamax echo: " + String.join("; ", problems));
        }
    }
}
