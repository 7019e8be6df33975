package io.panamax.nic.testing;

import io.panamax.nic.linux.NetworkNamespace;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A large echo through a kernel client, streamed: random bytes from {@code /dev/urandom} go
 * through the client to the stack's echo and back, with nothing on disk; each side's SHA-256 is
 * taken on the fly, the input's through a FIFO beside the pipe into the client. The stack's kernel-peer
 * tests and the echo sample's process test (its printed nc line fed at size) use it.
 */
public final class StreamedEcho {
    private StreamedEcho() {
    }

    /**
     * Runs {@code head -c size /dev/urandom | client} in {@code ns} and asserts that what came back
     * matches what went out by SHA-256.
     *
     * @param client a shell command that sends its standard input and writes what it receives (nc -N ...)
     * @param size   {@code head -c}'s size, such as {@code 1G}
     */
    public static void run(NetworkNamespace ns, Path dir, Duration timeout, String client, String size) throws Exception {
        Path fifo = dir.resolve("in.fifo");
        Path inSum = dir.resolve("in.sha256");
        Path outSum = dir.resolve("out.sha256");
        ns.exec(timeout, "sh", "-c", "mkfifo " + fifo + "; sha256sum < " + fifo + " > " + inSum + " & "
                + "head -c " + size + " /dev/urandom | tee " + fifo + " | " + client + " | sha256sum > " + outSum
                + "; wait").orThrow(client + " echo of " + size);
        String sent = Files.readString(inSum).split("\\s+")[0];
        String received = Files.readString(outSum).split("\\s+")[0];
        assertEquals(64, sent.length(), "the input's SHA-256: " + sent);
        assertEquals(sent, received, size + " echoed through " + client + ", matching by SHA-256");
        Files.delete(fifo);
        Files.delete(inSum);
        Files.delete(outSum);
    }

    /**
     * {@link #run} while tcpdump records the headers (128 bytes) of the frames matching
     * {@code filter} on the kernel's side of {@code device} into {@code pcap}: the super-segments
     * the kernel hands the device and those the stack writes.
     */
    public static void runCapturing(NetworkNamespace ns, Path dir, Duration timeout, String device, String filter, Path pcap,
                             String client, String size) throws Exception {
        Process dump = ns.start("tcpdump", "--immediate-mode", "-i", device, "-s", "128", "-B", "16384", "-w", pcap.toString(), "-U", filter);
        try {
            Thread.sleep(1000);
            run(ns, dir, timeout, client, size);
            Thread.sleep(500);
        } finally {
            NetworkNamespace.run(timeout, "kill", "-INT", Long.toString(dump.pid()));
            dump.waitFor();
        }
    }
}
