package io.panamax.samples;

import io.panamax.nic.pcap.Pcap4jFrames;
import io.panamax.reactor.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code bin/panamax replay} as a user runs it: {@code io.panamax.samples.Main replay ...} in a
 * JVM of its own (the exit status is the point), on shared captures.
 */
class ReplayCommandTest {

    record Run(int status, String out, String err) {
    }

    static Run panamax(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "io.panamax.samples.Main"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).start();
        // Small outputs: read both after the exit.
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the replay finished");
        return new Run(p.exitValue(), new String(p.getInputStream().readAllBytes()), new String(p.getErrorStream().readAllBytes()));
    }

    @Test
    void replaysCapturesPrintsDropsByReasonAndWritesWhatTheStackSent(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("sent.pcap");
        Run r = panamax("replay", SharedData.pcap("cs-tcp_handshake.pcapng").toString(),
                SharedData.pcap("zeek-chksums-ip4-tcp-bad-chksum.pcap").toString(), "--listen", "80", "--shards", "2", "--out", out.toString());
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("cs-tcp_handshake.pcapng: 3 frame(s) replayed on 2 shards"), r.out());
        assertTrue(r.out().contains("tcp_drops_total{reason=\"bad_checksum\"}"), r.out());
        assertTrue(r.out().contains("tcp syn-ack 1"), r.out());
        assertTrue(r.out().contains("stack: no uncaught error, no leak"), r.out());
        int frames = Pcap4jFrames.read(out).size();
        assertTrue(r.out().contains("wrote " + frames + " frame(s) the stack sent to " + out), r.out());
        assertTrue(frames >= 4, "two announcements, a SYN-ACK and resets: " + frames);
    }

    @Test
    void badArgumentsExitWithStatus2AndSayWhy(@TempDir Path tmp) throws Exception {
        Run none = panamax("replay");
        assertEquals(2, none.status());
        assertTrue(none.err().contains("no capture file given"), none.err());
        Run missing = panamax("replay", tmp.resolve("nope.pcap").toString());
        assertEquals(2, missing.status());
        assertTrue(missing.err().contains("no such file"), missing.err());
        Run option = panamax("replay", SharedData.pcap("cs-tcp_handshake.pcapng").toString(), "--bogus");
        assertEquals(2, option.status());
        assertTrue(option.err().contains("unknown option --bogus"), option.err());
        Run shards = panamax("replay", SharedData.pcap("cs-tcp_handshake.pcapng").toString(), "--shards", "0");
        assertEquals(2, shards.status());
        assertTrue(shards.err().contains("--shards"), shards.err());
        Run notCapture = panamax("replay", SharedData.pcap("libpcap-pcap-invalid-version-1.pcap").toString());
        assertEquals(2, notCapture.status());
        assertTrue(notCapture.err().contains("libpcap-pcap-invalid-version-1.pcap"), notCapture.err());
        Path text = Files.writeString(tmp.resolve("text.pcap"), "not a capture at all");
        Run garbage = panamax("replay", text.toString());
        assertEquals(2, garbage.status());
        Run help = panamax("replay", "--help");
        assertEquals(0, help.status());
        assertTrue(help.out().contains("usage: bin/panamax replay FILE..."), help.out());
    }

    @Test
    void everyShardCountAndPacingComesThroughTheMalformedCaptures() throws Exception {
        Run r = panamax("replay", SharedData.pcap("sv-decode-too-small.pcap").toString(),
                SharedData.pcap("td-tcp_header_heapoverflow.pcap").toString(), SharedData.pcap("zeek-trunc-trunc-hdr.pcap").toString(),
                "--shards", "3", "--pacing", "asap", "--linger", "60");
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("drops by reason"), r.out());
        assertTrue(!r.out().contains("STACK FAILED"), r.out());
    }
}
