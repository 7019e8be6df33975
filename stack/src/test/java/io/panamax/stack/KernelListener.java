package io.panamax.stack;

import io.panamax.nic.linux.NetworkNamespace;

import java.io.IOException;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** A kernel TCP server (socat) started in a test's namespace, ready once its listener is up. */
final class KernelListener {
    private KernelListener() {
    }

    /**
     * Starts {@code socat TCP-LISTEN:port,reuseaddr[,fork] EXEC:cat} in {@code ns} and returns once
     * the kernel shows its listener: socat listens some time after it starts (long on a loaded
     * machine), and a fixed wait of 300 ms once let a connect meet "connection refused" at load 10.
     */
    static Process echo(NetworkNamespace ns, int port, boolean fork) throws IOException, InterruptedException {
        Process server = ns.start("socat", "TCP-LISTEN:" + port + ",reuseaddr" + (fork ? ",fork" : ""), "EXEC:cat");
        long until = System.nanoTime() + 10_000_000_000L;
        while (ns.exec(Duration.ofSeconds(10), "ss", "-Hltn", "sport = :" + port).stdout().isBlank()) {
            if (System.nanoTime() - until > 0 || !server.isAlive()) {
                server.destroy();
            }
            assertTrue(System.nanoTime() - until < 0 && server.isAlive(), "socat listens on " + port + " within 10 s");
            Thread.sleep(20);
        }
        return server;
    }
}
