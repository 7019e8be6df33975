package io.panamax.nic.capture;

import io.panamax.reactor.testing.SharedData;
import io.panamax.nic.pcap.CaptureFileWriter;
import io.panamax.nic.pcap.Pcap4jFrames;
import io.panamax.nic.pcap.Tshark;
import io.panamax.nic.pcap.WallClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The capture decorator on a wire, judged by tshark and libpcap (pcap4j). */
class CapturingNicTest {
    /**
     * Web browsing that Wireshark decodes without a malformed frame or a TCP analysis flag (checked
     * below), so that recording it with new timestamps cannot change how Wireshark sees it.
     */
    private static final String CLEAN = "zeek-workshop_2011_browse.pcap";
    /** 672 frames of real HTTP, up to 1514 bytes: the bulk for limits and rings. */
    private static final String BULK = "zeek-http-206_example_a.pcap";

    private static List<byte[]> frames() {
        return Pcap4jFrames.bytes(SharedData.pcap(BULK));
    }

    @Test
    void everyFrameBothWaysIsInAFileTsharkDecodes(@TempDir Path dir) throws Exception {
        Tshark.require();
        Path clean = SharedData.pcap(CLEAN);
        assertEquals(List.of(), Tshark.malformed(clean), "the input is well formed");
        assertEquals(List.of(), Tshark.read(clean, "-Y", "tcp.analysis.flags"), "and has no TCP anomaly");
        Path file = dir.resolve("a.pcapng");
        List<byte[]> frames = Pcap4jFrames.bytes(clean);
        assertEquals(121, frames.size());
        // A sends the first part of the capture, B the rest: the file holds the capture once, in
        // its order, so Wireshark's TCP reassembly sees the original streams.
        List<byte[]> first = frames.subList(0, 60);
        List<byte[]> second = frames.subList(60, 121);
        long before = WallClock.nanos();
        try (CaptureRig rig = new CaptureRig(CaptureConfig.of(file))) {
            rig.sendFromA(first);
            rig.sendFromB(second);
            assertEquals(61, rig.atA.size());
            assertEquals(60, rig.atB.size());
            rig.finishCapture();
            assertEquals(new CaptureStats(121, 0, 0, 1, false), rig.captured.captureStats());
        }
        List<String> lines = Tshark.fields(file, "frame.interface_name", "frame.packet_flags_direction", "frame.cap_len");
        assertEquals(121, lines.size());
        for (int i = 0; i < lines.size(); i++) {
            String[] f = lines.get(i).split("\t");
            assertEquals("wire:a/q0", f[0]);
            int direction = i < 60 ? CaptureFileWriter.DIRECTION_OUTBOUND : CaptureFileWriter.DIRECTION_INBOUND;
            assertEquals(direction, Integer.decode(f[1]), "frame " + (i + 1));
            assertEquals(frames.get(i).length, Integer.parseInt(f[2]));
        }
        assertEquals(List.of(), Tshark.malformed(file), "no malformed frames in the capture");
        List<Pcap4jFrames.Frame> read = Pcap4jFrames.read(file);
        assertArrayEquals(frames.toArray(byte[][]::new), read.stream().map(Pcap4jFrames.Frame::data).toArray(byte[][]::new));
        for (Pcap4jFrames.Frame f : read) {
            assertTrue(f.timestampNanos() >= before && f.timestampNanos() <= WallClock.nanos(), "wall-clock timestamps");
        }
    }

    @Test
    void classicPcapAndASnapLength(@TempDir Path dir) throws Exception {
        Tshark.require();
        Path file = dir.resolve("a.pcap");
        List<byte[]> frames = frames();
        try (CaptureRig rig = new CaptureRig(CaptureConfig.builder(file).snaplen(64).build())) {
            rig.sendFromA(frames);
            rig.finishCapture();
        }
        List<String> lines = Tshark.fields(file, "frame.cap_len", "frame.len");
        assertEquals(672, lines.size());
        List<Pcap4jFrames.Frame> read = Pcap4jFrames.read(file);
        for (int i = 0; i < 672; i++) {
            byte[] f = frames.get(i);
            int cut = Math.min(64, f.length);
            assertEquals(cut + "\t" + f.length, lines.get(i));
            assertArrayEquals(Arrays.copyOf(f, cut), read.get(i).data());
            assertEquals(f.length, read.get(i).originalLength());
        }
    }

    @Test
    void recordingSwitchesOffAndOnWhileRunning(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("a.pcapng");
        List<byte[]> frames = frames();
        try (CaptureRig rig = new CaptureRig(CaptureConfig.builder(file).enabled(false).build())) {
            rig.sendFromA(frames.subList(0, 100));
            rig.captured.setEnabled(true);
            rig.sendFromA(frames.subList(100, 300));
            rig.captured.setEnabled(false);
            rig.sendFromA(frames.subList(300, 672));
            assertEquals(672, rig.atB.size(), "every frame went through");
            rig.finishCapture();
            assertEquals(200, rig.captured.captureStats().written());
        }
        assertArrayEquals(frames.subList(100, 300).toArray(byte[][]::new), Pcap4jFrames.bytes(file).toArray(byte[][]::new));
    }

    @Test
    void atTheSizeLimitTheCaptureStops(@TempDir Path dir) throws Exception {
        Tshark.require();
        Path file = dir.resolve("limited.pcap");
        List<byte[]> frames = frames();
        try (CaptureRig rig = new CaptureRig(CaptureConfig.builder(file).stopAt(50_000).build())) {
            rig.sendFromA(frames.subList(0, 300));
            // The writer thread decides; give it time to reach the limit.
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!rig.captured.captureStats().stopped() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertFalse(rig.captured.isEnabled(), "the capture switched itself off");
            rig.sendFromA(frames.subList(300, 672));
            rig.captured.setEnabled(true);
            assertFalse(rig.captured.isEnabled(), "and stays off");
            assertEquals(672, rig.atB.size(), "frames still flow");
            rig.finishCapture();
            CaptureStats s = rig.captured.captureStats();
            assertTrue(s.stopped());
            // Records already on their way when the limit hit are discarded and counted; frames sent
            // after the capture switched itself off are not recorded at all.
            assertTrue(s.written() + s.droppedAtLimit() <= 300, s.toString());
            assertTrue(s.droppedAtLimit() >= 1, s.toString());
            assertTrue(Files.size(file) <= 50_000, "file of " + Files.size(file) + " bytes");
            List<byte[]> read = Pcap4jFrames.bytes(file);
            assertEquals(s.written(), read.size());
            assertArrayEquals(frames.subList(0, read.size()).toArray(byte[][]::new), read.toArray(byte[][]::new));
            long next = Files.size(file) + 16 + frames.get(read.size()).length;
            assertTrue(next > 50_000, "it stopped only when the next record did not fit");
        }
        assertEquals(Pcap4jFrames.bytes(file).size(), Tshark.read(file).size(), "tshark reads the file to its end");
    }

    @Test
    void rotationWritesNumberedFilesAndKeepsTheLastOnes(@TempDir Path dir) throws Exception {
        Tshark.require();
        List<byte[]> frames = frames();
        for (int keep : new int[] {0, 2}) {
            Path file = dir.resolve("keep" + keep + ".pcapng");
            int files;
            try (CaptureRig rig = new CaptureRig(CaptureConfig.builder(file).rotateAt(100_000, keep).build())) {
                rig.sendFromA(frames);
                rig.finishCapture();
                CaptureStats s = rig.captured.captureStats();
                assertEquals(672, s.written());
                assertFalse(s.stopped());
                files = s.files();
                assertTrue(files > 3, files + " files");
                assertEquals(CaptureWriter.fileFor(file, files - 1), rig.captured.currentFile());
            }
            List<byte[]> all = new ArrayList<>();
            int first = keep == 0 ? 0 : files - keep;
            for (int i = 0; i < files; i++) {
                Path f = CaptureWriter.fileFor(file, i);
                if (i < first) {
                    assertFalse(Files.exists(f), f + " was deleted");
                    continue;
                }
                assertTrue(Files.size(f) <= 100_000, f + " has " + Files.size(f) + " bytes");
                assertEquals(Pcap4jFrames.bytes(f).size(), Tshark.read(f).size(), f + " reads to its end in tshark");
                all.addAll(Pcap4jFrames.bytes(f));
            }
            assertEquals(dir.resolve("keep" + keep + ".1.pcapng"), CaptureWriter.fileFor(file, 1));
            List<byte[]> expected = frames.subList(frames.size() - all.size(), frames.size());
            assertArrayEquals(expected.toArray(byte[][]::new), all.toArray(byte[][]::new));
            if (keep == 0) {
                assertEquals(672, all.size());
            }
        }
    }

    @Test
    void aWriterBehindDropsRecordsNeverFrames(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("small-ring.pcap");
        List<byte[]> frames = frames();
        // Four records of 1514 bytes fit; a burst of 32 frames cannot all be recorded.
        try (CaptureRig rig = new CaptureRig(CaptureConfig.builder(file).snaplen(1514).ringBytes(8192).build())) {
            rig.sendFromA(frames);
            assertEquals(672, rig.atB.size(), "every frame arrived");
            for (int i = 0; i < 672; i++) {
                assertArrayEquals(frames.get(i), rig.atB.get(i));
            }
            rig.finishCapture();
            CaptureStats s = rig.captured.captureStats();
            assertTrue(s.droppedRingFull() > 0, s.toString());
            assertEquals(672, s.written() + s.droppedRingFull());
            assertEquals(s.written(), Pcap4jFrames.bytes(file).size());
        }
    }
}
