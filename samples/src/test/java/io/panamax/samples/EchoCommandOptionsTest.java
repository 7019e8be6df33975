package io.panamax.samples;

import io.panamax.nic.QueueTotals;
import io.panamax.http.HttpConfig;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The echo command's HTTP options and status line (no devices: nothing here needs root). */
class EchoCommandOptionsTest {

    record Run(int status, String out, String err) {
    }

    static Run main(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static EchoCommand.EchoSettings settings(String... args) {
        return EchoCommand.EchoSettings.from(Options.parse(args, Set.of("http-port", "http-idle-timeout", "http-max-content",
                "tls-port", "cert", "key", "tls-dir"), Set.of()));
    }

    @Test
    void helpDescribesTheHttpOptions() {
        Run r = main("echo", "--help");
        assertEquals(0, r.status());
        assertTrue(r.out().contains("--http-port PORT"), r.out());
        assertTrue(r.out().contains("--http-idle-timeout"), r.out());
        assertTrue(r.out().contains("--http-max-content"), r.out());
    }

    @Test
    void badHttpOptionsAreOneLineErrorsWithStatus2() {
        for (String[] args : new String[][] {
                {"echo", "--http-port", "7"},
                {"echo", "--http-port", "9"},
                {"echo", "--http-port", "65536"},
                {"echo", "--http-port", "http"},
                {"echo", "--http-idle-timeout", "-1"},
                {"echo", "--http-max-content", "lots"}}) {
            Run r = main(args);
            assertEquals(2, r.status(), String.join(" ", args));
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().startsWith("panamax echo: --http-"), r.err());
        }
    }

    @Test
    void ipv6Options() {
        var dual = EchoCommand.EchoSettings.from(Options.parse(new String[0], Set.of("ip6"), Set.of("no-ip6")));
        assertEquals("fd00:7::2/64", dual.ip6().toString(), "dual-stack by default on TAP");
        assertEquals("fd00:7::1/64", dual.hostIp6().toString());
        assertNull(EchoCommand.EchoSettings.from(Options.parse(new String[] {"--no-ip6"}, Set.of("ip6"), Set.of("no-ip6"))).ip6());
        assertEquals("fd00:7::2/64", EchoCommand.EchoSettings.from(Options.parse(new String[] {"--backend", "dpdk"}, Set.of("backend"),
                Set.of())).ip6().toString(), "dual-stack on the net_tap DPDK makes");
        assertNull(EchoCommand.EchoSettings.from(Options.parse(new String[] {"--backend", "dpdk", "--dpdk-device", "0000:01:00.0"},
                Set.of("backend", "dpdk-device"), Set.of())).ip6(), "IPv4 only on a device of the user's network");
        var s = EchoCommand.EchoSettings.from(Options.parse(new String[] {"--ip6", "fd00:9::5/64", "--host-ip6", "fd00:9::1/64"},
                Set.of("ip6", "host-ip6"), Set.of()));
        assertEquals("fd00:9::5/64", s.ip6().toString());
        assertEquals("fd00:9::1/64", s.hostIp6().toString());
        for (String[] args : new String[][] {
                {"echo", "--ip6", "10.7.0.2/24"},
                {"echo", "--no-ip6", "--ip6", "fd00:7::2/64"},
                {"echo", "--no-ip6", "--host-ip6", "fd00:7::1/64"},
                {"echo", "--backend", "dpdk", "--dpdk-device", "0000:01:00.0", "--host-ip6", "fd00:7::1/64"},
                {"echo", "--ip6", "fd00:9::2/64"},
                {"echo", "--ip6", "fd00:7::2/64", "--host-ip6", "fd00:8::1/64"},
                {"echo", "--ip6", "fd00:7::2/64", "--host-ip6", "fd00:7::2/64"}}) {
            Run r = main(args);
            assertEquals(2, r.status(), String.join(" ", args));
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().startsWith("panamax echo: --"), r.err());
        }
        assertTrue(main("echo", "--help").out().contains("--ip6 CIDR"));
        assertTrue(main("echo", "--help").out().contains("--no-ip6"));
    }

    @Test
    void httpSettings() {
        HttpConfig defaults = settings().http();
        assertEquals(8080, defaults.port());
        assertEquals(Duration.ofSeconds(60), defaults.idleTimeout());
        assertEquals(1 << 20, defaults.limits().maxContentBytes());
        assertNull(settings("--http-port", "0").http(), "0 turns the server off");
        HttpConfig custom = settings("--http-port", "8000", "--http-idle-timeout", "0", "--http-max-content", "5").http();
        assertEquals(8000, custom.port());
        assertEquals(Duration.ZERO, custom.idleTimeout());
        assertEquals(5, custom.limits().maxContentBytes());
    }

    @Test
    void tlsOptions() {
        Run help = main("echo", "--help");
        assertTrue(help.out().contains("--tls-port PORT") && help.out().contains("--cert FILE --key FILE"), help.out());
        EchoCommand.EchoSettings defaults = settings();
        assertEquals(8443, defaults.tlsPort());
        assertTrue(defaults.selfSigned(), "no --cert: a generated certificate");
        assertEquals(Path.of(System.getProperty("java.io.tmpdir"), "panamax-tls"), defaults.tlsDir());
        assertEquals(0, settings("--tls-port", "0").tlsPort());
        assertEquals(0, settings("--http-port", "0").tlsPort(), "no HTTP, no HTTPS unless asked");
        EchoCommand.EchoSettings given = settings("--tls-port", "443", "--cert", "c.pem", "--key", "k.pem");
        assertEquals(443, given.tlsPort());
        assertEquals(Path.of("c.pem"), given.cert());
        assertEquals(Path.of("k.pem"), given.key());
        assertFalse(given.selfSigned());
        for (String[] args : new String[][] {
                {"echo", "--tls-port", "8080"},
                {"echo", "--tls-port", "7"},
                {"echo", "--tls-port", "70000"},
                {"echo", "--cert", "c.pem"},
                {"echo", "--key", "k.pem"},
                {"echo", "--tls-port", "0", "--tls-dir", "/tmp/x"},
                {"echo", "--cert", "c.pem", "--key", "k.pem", "--tls-dir", "/tmp/x"},
                {"echo", "--http-port", "0", "--tls-port", "8443"}}) {
            Run r = main(args);
            assertEquals(2, r.status(), String.join(" ", args));
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().startsWith("panamax echo: --"), r.err());
        }
    }

    @Test
    void statusLine() {
        QueueTotals a = new QueueTotals(100, 0, 0, 0, 50, 0, 0, 0);
        QueueTotals b = new QueueTotals(300, 0, 0, 0, 250, 0, 0, 0);
        var before = StatusLine.Sample.of(a, Map.of(
                "http_requests_total{status=\"200\"}", new long[] {10, 10, 20},
                "http_connections_open", new long[] {1, 1, 2}));
        var after = StatusLine.Sample.of(b, Map.of(
                "http_requests_total{status=\"200\"}", new long[] {60, 40, 100},
                "http_requests_total{status=\"400\"}", new long[] {0, 20, 20},
                "http_connections_open", new long[] {3, 4, 7},
                "tcp_drops_total{reason=\"bad_checksum\"}", new long[] {1, 2, 3},
                "ipv4_drops_total{reason=\"bad_header\"}", new long[] {0, 1, 1}));
        assertEquals("http 50 req/s  7 conn  |  rx 100 pkt/s  tx 100 pkt/s  drops 4", StatusLine.format(before, after, 2.0, true));
        assertEquals("rx 100 pkt/s  tx 100 pkt/s  drops 4", StatusLine.format(before, after, 2.0, false));
        var sleeping = StatusLine.Sample.of(b, Map.of(
                "nic_idle_descriptor_waits_total", new long[] {30, 0, 30},
                "nic_idle_descriptor_wakes_total", new long[] {12, 0, 12}));
        assertEquals("rx 100 pkt/s  tx 100 pkt/s  drops 0  |  idle: 30 waits on NIC descriptors, 12 ended by a frame",
                StatusLine.format(before, sleeping, 2.0, false));
    }
}
