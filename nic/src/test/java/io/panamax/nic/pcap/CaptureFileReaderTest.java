package io.panamax.nic.pcap;

import io.panamax.reactor.testing.SharedData;
import io.panamax.reactor.testing.Environment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Panamax's capture reader against libpcap (through pcap4j) on the shared captures, and on broken files. */
class CaptureFileReaderTest {

    /** A record as the reader returned it. */
    record Read(byte[] data, long timestampNanos, int originalLength) {
    }

    static List<Read> readAll(Path file) throws IOException {
        try (CaptureFileReader r = CaptureFileReader.open(file)) {
            List<Read> all = new ArrayList<>();
            while (r.next()) {
                byte[] b = new byte[r.capturedLength()];
                java.lang.foreign.MemorySegment.copy(r.bytes(), java.lang.foreign.ValueLayout.JAVA_BYTE, r.dataOffset(),
                        b, 0, b.length);
                all.add(new Read(b, r.timestampNanos(), r.originalLength()));
                assertEquals(all.size() - 1, r.recordIndex());
            }
            return all;
        }
    }

    static void assertSameAsLibpcap(Path file, int expectedFrames) throws IOException {
        List<Pcap4jFrames.Frame> oracle = Pcap4jFrames.read(file);
        List<Read> ours = readAll(file);
        if (expectedFrames >= 0) {
            assertEquals(expectedFrames, oracle.size(), "libpcap's count for " + file);
        }
        assertEquals(oracle.size(), ours.size(), "frames in " + file);
        for (int i = 0; i < ours.size(); i++) {
            byte[] theirs = oracle.get(i).data();
            byte[] mine = ours.get(i).data();
            if (mine.length > theirs.length && theirs.length == classicSnapLength(file)) {
                // A record longer than the header's snapshot length: libpcap cuts it there, Panamax
                // (like Wireshark) keeps every byte the file holds.
                assertArrayEquals(theirs, Arrays.copyOf(mine, theirs.length), file + " frame " + i);
            } else {
                assertArrayEquals(theirs, mine, file + " frame " + i);
            }
            assertEquals(oracle.get(i).timestampNanos(), ours.get(i).timestampNanos(), file + " frame " + i + " timestamp");
            assertEquals(oracle.get(i).originalLength(), ours.get(i).originalLength(), file + " frame " + i + " length");
        }
    }

    /** The snapshot length in a classic pcap header (little-endian files), or -1. */
    static int classicSnapLength(Path file) throws IOException {
        byte[] header = Arrays.copyOf(Files.readAllBytes(file), 24);
        ByteBuffer b = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
        return b.getInt(0) == 0xa1b2c3d4 || b.getInt(0) == 0xa1b23c4d ? b.getInt(16) : -1;
    }

    static List<SharedData.Capture> captures() {
        return SharedData.ethernetCaptures();
    }

    @ParameterizedTest
    @MethodSource("captures")
    void readsEverySharedCaptureLikeLibpcap(SharedData.Capture capture) throws IOException {
        assertSameAsLibpcap(capture.path(), capture.packets());
        try (CaptureFileReader r = CaptureFileReader.open(capture.path())) {
            assertEquals(capture.file().endsWith(".pcapng") ? CaptureFileReader.Format.PCAPNG : CaptureFileReader.Format.PCAP,
                    r.format());
            assertEquals(LinkTypes.ETHERNET, r.headerLinkType());
        }
    }

    @Test
    void rewindStartsOverAtTheFirstFrame() throws IOException {
        for (String name : List.of("cs-tcp_handshake.pcapng", "td-dns_udp.pcap")) {
            try (CaptureFileReader r = CaptureFileReader.open(SharedData.pcap(name))) {
                assertTrue(r.next());
                long first = r.recordOffset();
                while (r.next()) {
                    assertTrue(r.recordOffset() > first);
                }
                r.rewind();
                assertTrue(r.next());
                assertEquals(first, r.recordOffset());
                assertEquals(0, r.recordIndex());
            }
        }
    }

    @Test
    void readsNanosecondPcapAndConvertedPcapngLikeLibpcap(@TempDir Path dir) throws Exception {
        Environment.requireCommands("editcap");
        Path source = SharedData.pcap("zeek-http-206_example_a.pcap");
        Path nanos = dir.resolve("nanos.pcap");
        Path ng = dir.resolve("converted.pcapng");
        run("editcap", "-F", "nsecpcap", source.toString(), nanos.toString());
        run("editcap", "-F", "pcapng", source.toString(), ng.toString());
        assertSameAsLibpcap(nanos, 672);
        assertSameAsLibpcap(ng, 672);
    }

    @Test
    void readsBigEndianPcap(@TempDir Path dir) throws IOException {
        Path little = SharedData.pcap("dnscap-dns.pcap");
        Path big = dir.resolve("big-endian.pcap");
        Files.write(big, swapPcapHeaders(Files.readAllBytes(little)));
        List<Read> a = readAll(little);
        List<Read> b = readAll(big);
        assertEquals(133, b.size());
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i).data(), b.get(i).data());
            assertEquals(a.get(i).timestampNanos(), b.get(i).timestampNanos());
        }
        assertSameAsLibpcap(big, 133);
    }

    /** The same capture with every header field in big-endian order (as a SPARC would have written it). */
    private static byte[] swapPcapHeaders(byte[] le) {
        ByteBuffer in = ByteBuffer.wrap(le).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer out = ByteBuffer.allocate(le.length).order(ByteOrder.BIG_ENDIAN);
        out.putInt(in.getInt(0)).putShort(in.getShort(4)).putShort(in.getShort(6));
        out.putInt(in.getInt(8)).putInt(in.getInt(12)).putInt(in.getInt(16)).putInt(in.getInt(20));
        int at = 24;
        while (at < le.length) {
            int caplen = in.getInt(at + 8);
            out.putInt(in.getInt(at)).putInt(in.getInt(at + 4)).putInt(caplen).putInt(in.getInt(at + 12));
            out.put(le, at + 16, caplen);
            at += 16 + caplen;
        }
        return out.array();
    }

    // ---- broken files ------------------------------------------------------------------------

    @Test
    void theArchaicPcapVersionIsRejectedWithItsPosition() {
        Path file = SharedData.pcap("libpcap-pcap-invalid-version-1.pcap");
        PcapFormatException e = assertThrows(PcapFormatException.class, () -> CaptureFileReader.open(file));
        assertEquals(file, e.file());
        assertEquals(4, e.offset());
        assertTrue(e.getMessage().startsWith(file + ": at byte 4: pcap format version 1.4 is not supported"), e.getMessage());
    }

    @Test
    void aSectionHeaderWhoseOptionOverrunsTheBlockIsRejected() {
        Path file = SharedData.pcap("libpcap-shb-option-too-long.pcapng");
        PcapFormatException e = assertThrows(PcapFormatException.class, () -> CaptureFileReader.open(file));
        assertEquals(0, e.offset());
        assertTrue(e.problem().contains("block total length in header (52) and trailer"), e.getMessage());
    }

    @Test
    void anOptionOverrunningAnIntactSectionHeaderIsRejected(@TempDir Path dir) throws IOException {
        // The shared file's trailer is wrong too; mend it, so that the option itself is what is caught.
        byte[] b = Files.readAllBytes(SharedData.pcap("libpcap-shb-option-too-long.pcapng"));
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(48, 52);
        Path file = dir.resolve("option.pcapng");
        Files.write(file, b);
        PcapFormatException e = assertThrows(PcapFormatException.class, () -> CaptureFileReader.open(file));
        assertEquals(24, e.offset());
        assertTrue(e.problem().contains("option 12336 of 12336 bytes overruns its section header block"), e.getMessage());
    }

    @Test
    void aFileCutInsideARecordReadsUpToThereThenNamesThePlace(@TempDir Path dir) throws IOException {
        Path source = SharedData.pcap("td-whois.pcap");
        List<Read> whole = readAll(source);
        byte[] bytes = Files.readAllBytes(source);
        // Cut in the middle of the data of the 6th record (index 5).
        long sixth = 24;
        for (int i = 0; i < 5; i++) {
            sixth += 16 + whole.get(i).data().length;
        }
        Path cut = dir.resolve("cut.pcap");
        Files.write(cut, Arrays.copyOf(bytes, (int) sixth + 16 + 10));
        try (CaptureFileReader r = CaptureFileReader.open(cut)) {
            for (int i = 0; i < 5; i++) {
                assertTrue(r.next());
            }
            PcapFormatException e = assertThrows(PcapFormatException.class, r::next);
            assertEquals(sixth, e.offset());
            assertTrue(e.problem().contains("the file ends inside record 5: " + whole.get(5).data().length
                    + " captured bytes announced, 10 present"), e.getMessage());
        }
        Path cutHeader = dir.resolve("cut-header.pcap");
        Files.write(cutHeader, Arrays.copyOf(bytes, (int) sixth + 7));
        try (CaptureFileReader r = CaptureFileReader.open(cutHeader)) {
            for (int i = 0; i < 5; i++) {
                assertTrue(r.next());
            }
            PcapFormatException e = assertThrows(PcapFormatException.class, r::next);
            assertTrue(e.problem().contains("inside a record header (7 of 16 bytes)"), e.getMessage());
        }
    }

    @Test
    void aPcapngFileCutInsideABlockNamesThePlace(@TempDir Path dir) throws IOException {
        byte[] bytes = Files.readAllBytes(SharedData.pcap("cs-tcp_handshake.pcapng"));
        Path cut = dir.resolve("cut.pcapng");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length - 30));
        try (CaptureFileReader r = CaptureFileReader.open(cut)) {
            assertTrue(r.next());
            assertTrue(r.next());
            PcapFormatException e = assertThrows(PcapFormatException.class, r::next);
            assertTrue(e.problem().startsWith("the file ends inside a enhanced packet block"), e.getMessage());
        }
    }

    @Test
    void aRecordClaimingAnAbsurdLengthIsRejected(@TempDir Path dir) throws IOException {
        byte[] bytes = Files.readAllBytes(SharedData.pcap("td-dns_udp.pcap"));
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(24 + 8, 0x7fff_0000);
        Path bad = dir.resolve("huge.pcap");
        Files.write(bad, bytes);
        try (CaptureFileReader r = CaptureFileReader.open(bad)) {
            PcapFormatException e = assertThrows(PcapFormatException.class, r::next);
            assertEquals(24, e.offset());
            assertTrue(e.problem().contains("claims 2147418112 captured bytes"), e.getMessage());
        }
    }

    @Test
    void whatIsNotACaptureSaysSo(@TempDir Path dir) throws IOException {
        Path text = dir.resolve("notes.txt");
        Files.writeString(text, "this is not a capture file\n");
        PcapFormatException e = assertThrows(PcapFormatException.class, () -> CaptureFileReader.open(text));
        assertTrue(e.problem().contains("not a pcap or pcapng file"), e.getMessage());
        Path empty = dir.resolve("empty.pcap");
        Files.write(empty, new byte[0]);
        e = assertThrows(PcapFormatException.class, () -> CaptureFileReader.open(empty));
        assertTrue(e.problem().contains("empty file"), e.getMessage());
        Path headerOnly = dir.resolve("short.pcap");
        Files.write(headerOnly, Arrays.copyOf(Files.readAllBytes(SharedData.pcap("td-dns_udp.pcap")), 20));
        e = assertThrows(PcapFormatException.class, () -> CaptureFileReader.open(headerOnly));
        assertTrue(e.problem().contains("inside the 24-byte pcap header"), e.getMessage());
        IOException missing = assertThrows(IOException.class, () -> CaptureFileReader.open(dir.resolve("absent.pcap")));
        assertTrue(missing.getMessage().contains("absent.pcap"));
    }

    @Test
    void anEmptyCaptureHasNoFrames(@TempDir Path dir) throws IOException {
        Path headerOnly = dir.resolve("header-only.pcap");
        Files.write(headerOnly, Arrays.copyOf(Files.readAllBytes(SharedData.pcap("td-dns_udp.pcap")), 24));
        try (CaptureFileReader r = CaptureFileReader.open(headerOnly)) {
            assertFalse(r.next());
        }
    }

    @Test
    void timestampResolutionsConvertExactly() {
        assertEquals(1_500_000_000L, PcapngFileReader.toNanos(1_500_000L, 6));
        assertEquals(1_500_000_001L, PcapngFileReader.toNanos(1_500_000_001L, 9));
        assertEquals(1_000_000_000L, PcapngFileReader.toNanos(1_000_000_000_000L, 12));
        // 2^-10 s units: 1536 units = 1.5 s
        assertEquals(1_500_000_000L, PcapngFileReader.toNanos(1536, 0x80 | 10));
        assertEquals(2_000_000_000L, PcapngFileReader.toNanos(2, 0x80));
    }

    static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", command) + " did not finish");
        assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + out);
    }
}
