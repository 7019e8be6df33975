package io.panamax.samples.minimal;

import io.panamax.nic.linux.NetworkNamespace;
import io.panamax.reactor.testing.Environment;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's library example is {@link MinimalServer}, and it runs: started as its own JVM (as a
 * user runs it), it echoes what {@code nc} sends from inside the namespace, and at SIGTERM it closes
 * the stack and removes the namespace and TAP device it created.
 */
class MinimalServerTest {

    @Test
    void theReadmeSnippetIsTheSampleAsWritten() throws Exception {
        Path root = Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();
        String readme = Files.readString(root.resolve("README.md"));
        int section = readme.indexOf("## Using it as a library");
        assertTrue(section >= 0, "the README has its library section");
        int start = readme.indexOf("```java\n", section) + "```java\n".length();
        String snippet = readme.substring(start, readme.indexOf("```", start));
        String source = Files.readString(root.resolve("samples/src/main/java/io/panamax/samples/minimal/MinimalServer.java"));
        int at = 0;
        for (String line : snippet.lines().map(String::strip).filter(l -> !l.isEmpty()).toList()) {
            int found = source.indexOf(line, at);
            assertTrue(found >= 0, "README line not in MinimalServer.java (in this order): " + line);
            at = found + line.length();
        }
    }

    @Test
    void itEchoesOverTapAndCleansUpAtSigterm() throws Exception {
        Environment.requireRoot("the sample creates a network namespace and a TAP device");
        Environment.requireCommands("ip", "nc");
        long pid = ProcessHandle.current().pid();
        String netns = "pmx-min-" + pid;
        String tap = "pmxn" + (pid % 100000);
        assertFalse(NetworkNamespace.exists(netns), "a namespace left by an earlier run: ip netns del " + netns);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process server = new ProcessBuilder(java.toString(), "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-cp", classPath(), MinimalServer.class.getName(), netns, tap)
                .redirectErrorStream(true).start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        StringBuffer all = new StringBuffer();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    all.append(line).append('\n');
                    lines.add(line);
                }
            } catch (Exception e) {
                // the process ended
            }
        });
        try {
            String ready = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (ready == null && System.nanoTime() < deadline && (server.isAlive() || !lines.isEmpty())) {
                String line = lines.poll(1, TimeUnit.SECONDS);
                if (line != null && line.startsWith("echo on 10.7.0.2:7")) {
                    ready = line;
                }
            }
            assertNotNull(ready, "the sample started: " + all);
            assertTrue(ready.contains("ip netns exec " + netns + " nc -N 10.7.0.2 7"), ready);

            // The command it prints, with 256 KiB of random bytes: the echo loop runs many reads and writes.
            byte[] data = new byte[256 << 10];
            new Random(7).nextBytes(data);
            Process nc = new ProcessBuilder("ip", "netns", "exec", netns, "nc", "-N", "-w", "10", "10.7.0.2", "7").start();
            Thread writer = Thread.ofVirtual().start(() -> {
                try (OutputStream out = nc.getOutputStream()) {
                    out.write(data);
                } catch (Exception e) {
                    // nc ended early: the comparison below says so
                }
            });
            byte[] echoed = nc.getInputStream().readAllBytes();
            writer.join();
            assertTrue(nc.waitFor(60, TimeUnit.SECONDS));
            assertEquals(data.length, echoed.length, "bytes echoed; server said: " + all);
            assertArrayEquals(data, echoed);

            // SIGTERM: the hook closes the stack, then the namespace it created (and with it the TAP's end).
            server.destroy();
            assertTrue(server.waitFor(60, TimeUnit.SECONDS), "the sample exited at SIGTERM: " + all);
            assertEquals(143, server.exitValue(), "128 + SIGTERM, through the JVM's shutdown hooks: " + all);
            assertFalse(NetworkNamespace.exists(netns), "the namespace is gone: " + all);
            assertFalse(Files.exists(Path.of("/sys/class/net", tap)), "the TAP device is gone");
            assertFalse(all.toString().contains("Exception"), all.toString());
        } finally {
            if (server.isAlive()) {
                server.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
            if (NetworkNamespace.exists(netns)) {
                NetworkNamespace.run(Duration.ofSeconds(10), "ip", "netns", "del", netns);
            }
        }
    }

    private static String classPath() {
        String cp = System.getProperty("surefire.test.class.path");
        if (cp == null || cp.isBlank()) {
            cp = System.getProperty("java.class.path");
        }
        List<String> entries = new ArrayList<>(List.of(cp.split(java.io.File.pathSeparator)));
        assertTrue(entries.stream().anyMatch(e -> e.contains("samples")), "the samples' classes are on " + cp);
        return cp;
    }
}
