package io.panamax.samples;

import io.panamax.ip.Ipv4Address;
import io.panamax.ip.Ipv6Address;
import io.panamax.http.HttpConfig;
import io.panamax.samples.iperf.Iperf3Server;
import io.panamax.http.RequestLimits;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * {@code bin/panamax echo}: brings the stack up on a TAP device (inside a network namespace it
 * creates if missing) or a DPDK port, serves the echo services, prints how to reach them, and runs
 * until SIGINT or SIGTERM, then shuts down and removes what it created.
 */
final class EchoCommand {
    static final String HELP = """
            usage: bin/panamax echo [options]

            Runs the stack and its echo services: ICMP echo (ping), echo on UDP and TCP port 7
            (RFC 862), discard on TCP port 9 (RFC 863), a server for the iperf3 client (5201), and an
            HTTP/1.1 server that answers every request with the request itself, also over TLS on 8443
            (GET /metrics: the stack's metrics, Prometheus format).

              --backend tap|dpdk     the NIC: a TAP device (default) or a DPDK port
              --netns NAME|none      network namespace for the TAP and its clients (default: panamax,
                                     created if missing and removed on exit); none: the current one
              --tap NAME             TAP interface name (default: pmx0)
              --tap-offloads on|off  the TAP backend's offloads: virtio-net headers, checksums left to
                                     the kernel, 64 KB super-segments received whole (default: on)
              --host-ip CIDR         the kernel side's address on the TAP (default: 10.7.0.1/24)
              --ip CIDR              the stack's address (default: 10.7.0.2/24), or 'dhcp' for a lease from a
                                     DHCP server on the link (such as dnsmasq on the kernel side)
              --gateway IP           the stack's default gateway (default: none)
              --ip6 CIDR             the stack's IPv6 address (default: fd00:7::2/64, except on a
                                     --dpdk-device of your own): every service and ping answer over
                                     IPv6 too
              --host-ip6 CIDR        the kernel side's IPv6 address (default: fd00:7::1/64)
              --no-ip6               IPv4 only
              --shards N             shards, one thread per core (default: the number of cores)
              --dpdk-args ARGS       EAL arguments for --backend dpdk (default: no hugepages, no PCI,
                                     the PMDs of the Debian package)
              --dpdk-device DEV      the DPDK device: a port name or PCI address the EAL probed (see
                                     --dpdk-args -a ...), or vdev arguments such as net_tap0,iface=x,
                                     or af_xdp: a veth pair made in the namespace, the kernel on the
                                     end named --tap, DPDK's net_af_xdp on the other (--tap + 'x')
                                     (default: a net_tap named after --tap, inside the namespace)
              --capture FILE         write every frame received and sent to FILE (pcap)
              --http-port PORT       the HTTP echo server's port (default: 8080; 0 turns it off)
              --http-idle-timeout S  seconds an HTTP connection may wait for its client (default: 60;
                                     0: never)
              --http-max-content N   the largest request content accepted, in bytes (default: 1048576;
                                     larger gets 413)
              --tls-port PORT        the same HTTP echo over TLS 1.3/1.2 (default: 8443; 0 turns it off)
              --cert FILE --key FILE the HTTPS certificate chain and its private key (PEM; PKCS#8 key);
                                     without them a self-signed certificate for the stack's address and
                                     localhost is generated (or reused) in --tls-dir, and its path printed
              --tls-dir DIR          where the self-signed certificate goes (default: the temporary
                                     directory's panamax-tls)
              --iperf-port PORT      a server for the iperf3 client (TCP, client to server, 1-128 streams;
                                     default: 5201; 0 turns it off)
              --status SECONDS       print a status line every SECONDS (default: 1; 0 turns it off)
              --help                 this text
            """;

    private static final Set<String> VALUED = Set.of("backend", "netns", "tap", "host-ip", "ip", "gateway", "ip6", "host-ip6", "shards",
            "dpdk-args", "dpdk-device", "tap-offloads", "capture", "status", "http-port", "http-idle-timeout", "http-max-content",
            "tls-port", "cert", "key", "tls-dir", "iperf-port");
    private static final Set<String> FLAGS = Set.of("help", "no-ip6");

    private EchoCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Options o = Options.parse(args, VALUED, FLAGS);
        if (o.has("help")) {
            out.print(HELP);
            return 0;
        }
        if (!o.positional().isEmpty()) {
            throw new UsageException("unexpected argument '" + o.positional().getFirst() + "' (see --help)");
        }
        EchoSettings settings = EchoSettings.from(o);
        try (EchoServer server = EchoServer.start(settings, out)) {
            CountDownLatch stop = new CountDownLatch(1);
            // SIGINT and SIGTERM end the status loop: the server closes and the command returns 0.
            // The hook is for the other ways the JVM can go down: devices are released first.
            StopSignals.install(stop::countDown);
            Thread hook = new Thread(() -> {
                stop.countDown();
                server.close();
            }, "panamax-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            server.printHowToReach(out);
            server.runStatusLoop(stop, out);
            return 0;
        } catch (UsageException e) {
            throw e;
        } catch (Exception e) {
            err.println("panamax echo: " + describe(e));
            return 1;
        }
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return m != null ? m : e.getClass().getSimpleName();
    }

    /** The validated options of {@code echo}. */
    record EchoSettings(String backend, String netns, String tap, Ipv4Address.Prefix hostIp, Ipv4Address.Prefix ip,
                        String gateway, int shards, String dpdkArgs, String dpdkDevice, Path capture, int statusSeconds,
                        int httpPort, int httpIdleSeconds, long httpMaxContent, int tlsPort, Path cert, Path key,
                        Path tlsDir, int iperfPort, boolean tapOffloads, Ipv6Address.Prefix ip6, Ipv6Address.Prefix hostIp6) {
        /** The HTTPS port unless told otherwise. */
        static final int DEFAULT_TLS_PORT = 8443;


        static EchoSettings from(Options o) {
            String backend = o.get("backend", "tap");
            if (!backend.equals("tap") && !backend.equals("dpdk")) {
                throw new UsageException("--backend must be tap or dpdk, got '" + backend + "'");
            }
            String netns = o.get("netns", "panamax");
            if (!netns.equals("none") && !netns.matches("[A-Za-z0-9_.-]{1,64}")) {
                throw new UsageException("--netns: bad namespace name '" + netns + "'");
            }
            String tap = o.get("tap", "pmx0");
            if (!tap.matches("[A-Za-z0-9_.-]{1,15}")) {
                throw new UsageException("--tap: an interface name has 1 to 15 letters, digits, '.', '-' or '_', got '" + tap + "'");
            }
            Ipv4Address.Prefix hostIp = prefix("host-ip", o.get("host-ip", "10.7.0.1/24"));
            // --ip dhcp: ip stays null until a server leases one (the subnet and gateway come with it).
            Ipv4Address.Prefix ip = o.get("ip", "").equals("dhcp") ? null : prefix("ip", o.get("ip", "10.7.0.2/24"));
            if (ip != null && hostIp.address() == ip.address()) {
                throw new UsageException("--ip and --host-ip must differ");
            }
            if (ip != null && !ip.contains(hostIp.address())) {
                throw new UsageException("--host-ip " + hostIp + " is not on the stack's subnet " + ip);
            }
            String gateway = o.get("gateway");
            if (gateway != null && ip == null) {
                throw new UsageException("--gateway comes from the DHCP server with --ip dhcp");
            }
            if (gateway != null) {
                try {
                    if (!ip.contains(Ipv4Address.parse(gateway))) {
                        throw new UsageException("--gateway " + gateway + " is not on the subnet " + ip);
                    }
                } catch (IllegalArgumentException e) {
                    throw new UsageException("--gateway: " + e.getMessage());
                }
            }
            int cores = Runtime.getRuntime().availableProcessors();
            int shards = o.intValue("shards", cores, 1, 1024);
            int status = o.intValue("status", 1, 0, 3600);
            String capture = o.get("capture");
            if (!backend.equals("dpdk") && (o.has("dpdk-args") || o.has("dpdk-device"))) {
                throw new UsageException("--dpdk-args and --dpdk-device need --backend dpdk");
            }
            String offloads = o.get("tap-offloads", "on");
            if (!offloads.equals("on") && !offloads.equals("off")) {
                throw new UsageException("--tap-offloads must be on or off, got '" + offloads + "'");
            }
            if (backend.equals("dpdk") && o.has("tap-offloads")) {
                throw new UsageException("--tap-offloads is for --backend tap");
            }
            int httpPort = o.intValue("http-port", HttpConfig.DEFAULT_PORT, 0, 65535);
            requireFree("http-port", httpPort, EchoServices.ECHO_PORT, EchoServices.DISCARD_PORT);
            int httpIdle = o.intValue("http-idle-timeout", 60, 0, 86400);
            long httpMaxContent = longValue(o, "http-max-content", RequestLimits.defaults().maxContentBytes(), 0, 1L << 40);
            int tlsPort = o.intValue("tls-port", httpPort == 0 ? 0 : DEFAULT_TLS_PORT, 0, 65535);
            if (tlsPort != 0 && httpPort == 0) {
                throw new UsageException("--tls-port serves the HTTP echo over TLS: it needs --http-port");
            }
            requireFree("tls-port", tlsPort, httpPort, EchoServices.ECHO_PORT, EchoServices.DISCARD_PORT);
            if (o.has("cert") != o.has("key")) {
                throw new UsageException("--cert and --key go together (a PEM certificate chain and its PEM private key)");
            }
            if (tlsPort == 0 && (o.has("cert") || o.has("tls-dir"))) {
                throw new UsageException("--cert, --key and --tls-dir need --tls-port");
            }
            if (o.has("cert") && o.has("tls-dir")) {
                throw new UsageException("--tls-dir is where a self-signed certificate goes: not with --cert");
            }
            Path cert = o.has("cert") ? Path.of(o.get("cert")) : null;
            Path key = o.has("key") ? Path.of(o.get("key")) : null;
            Path tlsDir = Path.of(o.get("tls-dir", Path.of(System.getProperty("java.io.tmpdir"), "panamax-tls").toString()));
            int iperfPort = o.intValue("iperf-port", Iperf3Server.DEFAULT_PORT, 0, 65535);
            requireFree("iperf-port", iperfPort, httpPort, tlsPort, EchoServices.ECHO_PORT, EchoServices.DISCARD_PORT);
            if (o.has("no-ip6") && (o.has("ip6") || o.has("host-ip6"))) {
                throw new UsageException("--no-ip6 turns IPv6 off: not with --ip6 or --host-ip6");
            }
            // Dual-stack by default wherever this sample makes the link and addresses its kernel side
            // (TAP, DPDK's net_tap, the af_xdp veth pair); a DPDK device given by the user is on a
            // network whose addresses are not the sample's to choose: IPv6 there with --ip6 only.
            String device = o.get("dpdk-device");
            boolean ownLink = backend.equals("tap") || device == null || device.equals(DpdkBackend.AF_XDP);
            String ip6Default = ownLink && !o.has("no-ip6") ? "fd00:7::2/64" : null;
            Ipv6Address.Prefix ip6 = o.has("ip6") ? prefix6("ip6", o.get("ip6")) : ip6Default == null ? null : prefix6("ip6", ip6Default);
            Ipv6Address.Prefix hostIp6 = prefix6("host-ip6", o.get("host-ip6", "fd00:7::1/64"));
            if (ip6 == null && o.has("host-ip6")) {
                throw new UsageException("--host-ip6 goes with --ip6");
            }
            if (ip6 != null && (ip6.high() == hostIp6.high() && ip6.low() == hostIp6.low() || !ip6.contains(hostIp6.high(), hostIp6.low()))) {
                throw new UsageException("--host-ip6 " + hostIp6 + " must be another address on the stack's prefix " + ip6);
            }
            return new EchoSettings(backend, netns, tap, hostIp, ip, gateway, shards, o.get("dpdk-args"),
                    o.get("dpdk-device"), capture == null ? null : Path.of(capture), status, httpPort, httpIdle, httpMaxContent,
                    tlsPort, cert, key, tlsDir, iperfPort, offloads.equals("on"), ip6, hostIp6);
        }

        /** A service's port (0: the service is off) must not be one of the ports {@code taken} by the others. */
        private static void requireFree(String option, int port, int... taken) {
            for (int t : taken) {
                if (port != 0 && port == t) {
                    throw new UsageException("--" + option + " " + port + " is taken by another service");
                }
            }
        }

        private static long longValue(Options o, String name, long defaultValue, long min, long max) {
            String v = o.get(name);
            if (v == null) {
                return defaultValue;
            }
            long n;
            try {
                n = Long.parseLong(v.trim());
            } catch (NumberFormatException e) {
                throw new UsageException("--" + name + " wants a number, got '" + v + "'");
            }
            if (n < min || n > max) {
                throw new UsageException("--" + name + " must be between " + min + " and " + max + ", got " + n);
            }
            return n;
        }

        private static Ipv6Address.Prefix prefix6(String option, String value) {
            try {
                return Ipv6Address.Prefix.parse(value);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--" + option + ": " + e.getMessage());
            }
        }

        private static Ipv4Address.Prefix prefix(String option, String value) {
            try {
                return Ipv4Address.Prefix.parse(value);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--" + option + ": " + e.getMessage());
            }
        }

        /** The HTTP server's settings, or null when it is off. */
        HttpConfig http() {
            if (httpPort == 0) {
                return null;
            }
            return HttpConfig.defaults().withPort(httpPort)
                    .withIdleTimeout(Duration.ofSeconds(httpIdleSeconds))
                    .withLimits(RequestLimits.defaults().withMaxContentBytes(httpMaxContent));
        }

        /** Whether the certificate is generated here rather than given. */
        boolean selfSigned() {
            return tlsPort != 0 && cert == null;
        }

        boolean inNamespace() {
            return !netns.equals("none");
        }

        boolean dpdk() {
            return backend.equals("dpdk");
        }

        /** Whether the stack runs on a net_tap this sample creates (and must address on the kernel side). */
        boolean dpdkOwnTap() {
            return dpdk() && dpdkDevice == null;
        }

        /** Whether the stack runs on net_af_xdp over a veth pair this sample creates. */
        boolean dpdkOwnVeth() {
            return dpdk() && DpdkBackend.AF_XDP.equals(dpdkDevice);
        }
    }
}
