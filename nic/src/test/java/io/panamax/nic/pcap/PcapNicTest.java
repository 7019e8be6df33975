package io.panamax.nic.pcap;

import io.panamax.reactor.testing.SharedData;
import io.panamax.nic.NicPoller;
import io.panamax.reactor.ManualClock;
import io.panamax.reactor.Reactor;
import io.panamax.reactor.Shard;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.testing.LeakCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pcap-file NIC on one shard of a manual reactor. */
class PcapNicTest {

    /** One shard polling {@code nic}; received packets go to {@code handler} (with the poller to send on). */
    private static final class Rig implements AutoCloseable {
        final ManualClock clock = new ManualClock();
        final Reactor reactor;
        final NicPoller poller;
        final List<Long> arrivals = new ArrayList<>();

        Rig(PcapNic nic, int buffers, HandlerFactory handler) {
            reactor = Reactor.builder().shards(1).manual().clock(clock).buffersPerShard(buffers).build().start();
            NicPoller[] p = new NicPoller[1];
            reactor.runOn(0, () -> {
                Consumer<Packet> h = handler.make(q -> p[0].send(q));
                p[0] = new NicPoller(nic.queue(0), packet -> {
                    arrivals.add(clock.nanoTime());
                    h.accept(packet);
                });
                Shard.currentOrThrow().addPoller(p[0]);
            });
            poller = p[0];
        }

        /** Stops polling (a looping replay never goes idle), sends what waits, and checks for leaks. */
        @Override
        public void close() {
            try {
                reactor.runOn(0, () -> {
                    poller.flush();
                    Shard.currentOrThrow().removePoller(poller);
                });
                reactor.runUntilIdle();
                LeakCheck.assertNoLeaks(reactor);
            } finally {
                reactor.close();
            }
        }
    }

    @FunctionalInterface
    private interface HandlerFactory {
        Consumer<Packet> make(Consumer<Packet> send);
    }

    /** Replays {@code input} and transmits every frame received into {@code output}. */
    private static ReplayEnd echo(Path input, Path output) throws IOException {
        try (PcapNic nic = PcapNic.builder().input(input).output(output).open();
             Rig rig = new Rig(nic, 8192, send -> send)) {
            ReplayEnd end = rig.reactor.await(nic.endOfInput(), Duration.ofSeconds(60));
            rig.reactor.runUntilIdle();
            assertEquals(end.frames(), nic.totals().txPackets());
            return end;
        }
    }

    static List<SharedData.Capture> captures() {
        return SharedData.ethernetCaptures();
    }

    @ParameterizedTest
    @MethodSource("captures")
    void everyFrameOfEveryCaptureRoundTrips(SharedData.Capture capture, @TempDir Path dir) throws IOException {
        Path out = dir.resolve("out.pcap");
        long before = WallClock.nanos();
        ReplayEnd end = echo(capture.path(), out);
        assertTrue(end.complete(), String.valueOf(end.error()));
        assertEquals(capture.packets(), end.frames());
        assertEquals(1, end.passes());

        List<Pcap4jFrames.Frame> original = Pcap4jFrames.read(capture.path());
        List<Pcap4jFrames.Frame> copy = Pcap4jFrames.read(out);
        assertEquals(original.size(), copy.size());
        int snap = CaptureFileReaderTest.classicSnapLength(capture.path());
        long previous = before - 1_000;
        for (int i = 0; i < copy.size(); i++) {
            byte[] theirs = original.get(i).data();
            byte[] ours = copy.get(i).data();
            if (ours.length > theirs.length && theirs.length == snap) {
                assertArrayEquals(theirs, Arrays.copyOf(ours, theirs.length), "frame " + i);
            } else {
                assertArrayEquals(theirs, ours, "frame " + i);
            }
            long ts = copy.get(i).timestampNanos();
            assertTrue(ts >= previous && ts <= WallClock.nanos(), "frame " + i + " has a wall-clock timestamp");
            previous = ts;
        }
    }

    @Test
    void thePcapngOutputOpensInTshark(@TempDir Path dir) throws Exception {
        Tshark.require();
        // Clean web browsing: no malformed frame, no TCP anomaly, so new timestamps change nothing for Wireshark.
        Path in = SharedData.pcap("zeek-workshop_2011_browse.pcap");
        assertEquals(List.of(), Tshark.malformed(in));
        Path out = dir.resolve("out.pcapng");
        echo(in, out);
        List<String> lines = Tshark.fields(out, "frame.cap_len", "frame.interface_name", "frame.packet_flags_direction");
        assertEquals(121, lines.size());
        List<String> originalLengths = Tshark.fields(in, "frame.cap_len");
        for (int i = 0; i < lines.size(); i++) {
            String[] f = lines.get(i).split("\t");
            assertEquals(originalLengths.get(i), f[0], "frame " + (i + 1));
            assertEquals("panamax", f[1]);
            assertEquals(CaptureFileWriter.DIRECTION_OUTBOUND, Integer.decode(f[2]), "outbound");
        }
        assertEquals(List.of(), Tshark.malformed(out), "no malformed frames");
        assertArrayEquals(Pcap4jFrames.bytes(in).toArray(byte[][]::new), Pcap4jFrames.bytes(out).toArray(byte[][]::new));
    }

    @Test
    void recordedPacingReplaysTheCapturesTiming() throws IOException {
        Path in = SharedData.pcap("cs-tcp_retransmissions.pcapng");
        List<Pcap4jFrames.Frame> frames = Pcap4jFrames.read(in);
        for (double speed : new double[] {1.0, 4.0}) {
            try (PcapNic nic = PcapNic.builder().input(in).pacing(PcapNic.Pacing.RECORDED).speed(speed).open();
                 Rig rig = new Rig(nic, 256, send -> Packet::release)) {
                long start = rig.clock.nanoTime();
                rig.reactor.await(nic.endOfInput(), Duration.ofSeconds(60));
                assertEquals(6, rig.arrivals.size());
                for (int i = 0; i < 6; i++) {
                    long recorded = (long) ((frames.get(i).timestampNanos() - frames.getFirst().timestampNanos()) / speed);
                    long replayed = rig.arrivals.get(i) - start;
                    assertTrue(replayed >= recorded && replayed <= recorded + 16_384,
                            "speed " + speed + " frame " + i + ": recorded +" + recorded + " ns, replayed +" + replayed + " ns");
                }
                // 0.2 + 0.6 + 1.2 + 2.4 + 4.8 s of gaps, in virtual time.
                assertTrue(rig.clock.nanoTime() - start >= (long) (9.2e9 / speed) - 1_000_000);
            }
        }
    }

    @Test
    void loopingStartsOverAndNeverEnds() throws IOException {
        Path in = SharedData.pcap("cs-arp_resolution.pcapng");
        List<byte[]> two = Pcap4jFrames.bytes(in);
        List<byte[]> got = new ArrayList<>();
        try (PcapNic nic = PcapNic.builder().input(in).loop(true).open();
             Rig rig = new Rig(nic, 256, send -> p -> {
                 got.add(p.toByteArray());
                 p.release();
             })) {
            rig.reactor.runUntil(() -> got.size() >= 9, Duration.ofSeconds(10));
            assertFalse(nic.atEndOfInput());
        }
        for (int i = 0; i < got.size(); i++) {
            assertArrayEquals(two.get(i % 2), got.get(i), "frame " + i);
        }
    }

    @Test
    void loopingWithRecordedPacingKeepsTheCadence() throws IOException {
        Path in = SharedData.pcap("cs-tcp_retransmissions.pcapng");
        List<Pcap4jFrames.Frame> frames = Pcap4jFrames.read(in);
        long pass = (frames.getLast().timestampNanos() - frames.getFirst().timestampNanos()) / 10;
        try (PcapNic nic = PcapNic.builder().input(in).loop(true).pacing(PcapNic.Pacing.RECORDED).speed(10).open();
             Rig rig = new Rig(nic, 256, send -> Packet::release)) {
            long start = rig.clock.nanoTime();
            rig.reactor.runUntil(() -> rig.arrivals.size() >= 12, Duration.ofSeconds(10));
            // The second pass starts where the first ended (about 0.92 s at 10x) and repeats its gaps.
            for (int i = 0; i < 6; i++) {
                long first = rig.arrivals.get(i) - start;
                long second = rig.arrivals.get(i + 6) - start;
                assertTrue(Math.abs(second - first - pass) <= 2 * 16_384, "frame " + i + ": " + first + " then " + second);
            }
        }
    }

    @Test
    void withFewBuffersAsapReplayWaitsAndLosesNothing() throws IOException {
        Path in = SharedData.pcap("zeek-http-206_example_a.pcap");
        List<Packet> held = new ArrayList<>();
        try (PcapNic nic = PcapNic.replay(in);
             Rig rig = new Rig(nic, 16, send -> held::add)) {
            while (!nic.atEndOfInput()) {
                rig.reactor.runOnce();
                rig.reactor.runOn(0, () -> {
                    held.forEach(Packet::release);
                    held.clear();
                });
            }
            ReplayEnd end = nic.endOfInput().join();
            assertEquals(672, end.frames());
            assertEquals(0, end.dropped());
            assertEquals(0, nic.totals().rxDrops());
            assertEquals(672, nic.totals().rxPackets());
        }
    }

    @Test
    void snapLengthCutFramesAreDeliveredAndCounted() throws IOException {
        try (PcapNic nic = PcapNic.replay(SharedData.pcap("zeek-tcp-truncated-header.pcap"));
             Rig rig = new Rig(nic, 256, send -> Packet::release)) {
            ReplayEnd end = rig.reactor.await(nic.endOfInput(), Duration.ofSeconds(10));
            assertEquals(24, end.frames());
            assertEquals(24, end.cutFrames());
        }
    }

    @Test
    void aCorruptRecordEndsTheInputWithItsPosition(@TempDir Path dir) throws IOException {
        Path source = SharedData.pcap("td-whois.pcap");
        List<Pcap4jFrames.Frame> frames = Pcap4jFrames.read(source);
        long sixth = 24;
        for (int i = 0; i < 5; i++) {
            sixth += 16 + frames.get(i).data().length;
        }
        Path cut = dir.resolve("cut.pcap");
        Files.write(cut, Arrays.copyOf(Files.readAllBytes(source), (int) sixth + 20));
        List<byte[]> got = new ArrayList<>();
        try (PcapNic nic = PcapNic.replay(cut);
             Rig rig = new Rig(nic, 256, send -> p -> {
                 got.add(p.toByteArray());
                 p.release();
             })) {
            ReplayEnd end = rig.reactor.await(nic.endOfInput(), Duration.ofSeconds(10));
            assertFalse(end.complete());
            assertEquals(5, end.frames());
            PcapFormatException e = end.failure().orElseThrow();
            assertEquals(cut, e.file());
            assertEquals(sixth, e.offset());
            assertTrue(e.problem().contains("the file ends inside record 5"), e.getMessage());
            assertEquals(1, nic.totals().rxErrors());
            rig.reactor.runOnce();
            assertEquals(5, got.size(), "nothing after the fault");
        }
        for (int i = 0; i < 5; i++) {
            assertArrayEquals(frames.get(i).data(), got.get(i));
        }
    }

    @Test
    void malformedSharedCapturesAreClearErrors() {
        Path version = SharedData.pcap("libpcap-pcap-invalid-version-1.pcap");
        PcapFormatException e = assertThrows(PcapFormatException.class, () -> PcapNic.replay(version));
        assertTrue(e.getMessage().startsWith(version + ": at byte 4: pcap format version 1.4"), e.getMessage());
        Path shb = SharedData.pcap("libpcap-shb-option-too-long.pcapng");
        e = assertThrows(PcapFormatException.class, () -> PcapNic.replay(shb));
        assertTrue(e.getMessage().startsWith(shb + ": at byte 0: block total length in header (52) and trailer"),
                e.getMessage());
    }

    @Test
    void linkTypesOtherThanEthernetAreRefused(@TempDir Path dir) throws IOException {
        byte[] pcap = Files.readAllBytes(SharedData.pcap("td-dns_udp.pcap"));
        ByteBuffer.wrap(pcap).order(ByteOrder.LITTLE_ENDIAN).putInt(20, 101);
        Path raw = dir.resolve("raw-ip.pcap");
        Files.write(raw, pcap);
        PcapFormatException e = assertThrows(PcapFormatException.class, () -> PcapNic.replay(raw));
        assertEquals(20, e.offset());
        assertTrue(e.problem().startsWith("link type 101 (RAW (raw IP)): PcapNic replays Ethernet"), e.getMessage());

        // pcapng: the first interface description follows the section header.
        byte[] ng = Files.readAllBytes(SharedData.pcap("cs-udp_dnsrequest.pcapng"));
        ByteBuffer b = ByteBuffer.wrap(ng).order(ByteOrder.LITTLE_ENDIAN);
        int idb = b.getInt(4);
        assertEquals(1, b.getInt(idb), "an interface description block follows the section header");
        b.putShort(idb + 8, (short) 113);
        Path sll = dir.resolve("sll.pcapng");
        Files.write(sll, ng);
        e = assertThrows(PcapFormatException.class, () -> PcapNic.replay(sll));
        assertEquals(idb + 8, e.offset());
        assertTrue(e.problem().startsWith("link type 113 (LINUX_SLL"), e.getMessage());
    }

    @Test
    void aLaterInterfaceOfAnotherLinkTypeEndsTheInputThere(@TempDir Path dir) throws IOException {
        // A pcapng file with an Ethernet interface and a second one, patched to raw IP, whose frames follow.
        List<byte[]> frames = Pcap4jFrames.bytes(SharedData.pcap("cs-http_google.pcapng"));
        Path file = dir.resolve("mixed.pcapng");
        try (CaptureFileWriter w = CaptureFileWriter.create(file, CaptureFileWriter.Format.PCAPNG, List.of("eth", "raw"), 65535)) {
            for (int i = 0; i < frames.size(); i++) {
                byte[] f = frames.get(i);
                w.write(1_000_000_000L * i, java.lang.foreign.MemorySegment.ofArray(f), 0, f.length, f.length, i < 4 ? 0 : 1,
                        CaptureFileWriter.DIRECTION_UNKNOWN);
            }
        }
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int secondIdb = b.getInt(4);
        secondIdb += b.getInt(secondIdb + 4);
        assertEquals(1, b.getInt(secondIdb));
        b.putShort(secondIdb + 8, (short) 101);
        Files.write(file, bytes);
        List<byte[]> got = new ArrayList<>();
        try (PcapNic nic = PcapNic.replay(file);
             Rig rig = new Rig(nic, 256, send -> p -> {
                 got.add(p.toByteArray());
                 p.release();
             })) {
            ReplayEnd end = rig.reactor.await(nic.endOfInput(), Duration.ofSeconds(10));
            assertEquals(4, end.frames());
            assertTrue(end.error().problem().startsWith("frame 4 has link type 101 (RAW (raw IP))"), end.error().getMessage());
            assertEquals(1, nic.totals().rxErrors());
        }
        assertArrayEquals(frames.subList(0, 4).toArray(byte[][]::new), got.toArray(byte[][]::new));
    }

    @Test
    void anOutputOnlyNicWritesWhatItSendsAndHasNoInput(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("sent.pcap");
        List<byte[]> frames = Pcap4jFrames.bytes(SharedData.pcap("cs-http_google.pcapng"));
        try (PcapNic nic = PcapNic.builder().output(out).open();
             Rig rig = new Rig(nic, 256, send -> Packet::release)) {
            assertTrue(nic.atEndOfInput());
            assertEquals(new ReplayEnd(0, 0, 0, 0, null), nic.endOfInput().join());
            rig.reactor.runOn(0, () -> {
                for (byte[] f : frames) {
                    Packet p = Shard.currentOrThrow().packets().allocateWithHeadroom();
                    p.appendBytes(f, 0, f.length);
                    rig.poller.send(p);
                }
            });
            rig.reactor.runUntilIdle();
            assertEquals(frames.size(), nic.totals().txPackets());
        }
        assertArrayEquals(frames.toArray(byte[][]::new), Pcap4jFrames.bytes(out).toArray(byte[][]::new));
    }

    @Test
    void aNicWithoutFilesIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PcapNic.builder().open());
        assertTrue(e.getMessage().contains("input file, an output file or both"));
    }
}
