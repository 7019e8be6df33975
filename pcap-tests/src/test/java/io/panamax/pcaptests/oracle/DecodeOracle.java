package io.panamax.pcaptests.oracle;

import io.panamax.nic.MacAddress;
import io.panamax.nic.pcap.Tshark;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The independent judges of what the stack sends: tshark (Wireshark's dissectors, with every
 * checksum verified) and pcap4j decode each frame of a capture, and any malformed frame or bad
 * checksum is a finding with the frame number and the decoder's own message. A test that
 * produces a capture calls {@link #assertClean} on the frames the stack sent.
 */
public final class DecodeOracle {
    private DecodeOracle() {
    }

    /** One thing a decoder found wrong with one frame. */
    public record Finding(int frame, String decoder, String message) {
        @Override
        public String toString() {
            return "frame " + frame + " (" + decoder + "): " + message;
        }
    }

    /**
     * What tshark and pcap4j find wrong with the frames of {@code file} sent from {@code source}
     * (every frame when null). Needs tshark (the caller checks {@code Tshark.require()}).
     */
    public static List<Finding> examine(Path file, MacAddress source) throws Exception {
        return examine(file, TsharkView.read(file), DecodedFrame.read(file), source);
    }

    /** The same over a file already decoded by both (one tshark pass serves several checks). */
    public static List<Finding> examine(Path file, List<TsharkView.Frame> tshark, List<DecodedFrame> pcap4j, MacAddress source) {
        String mac = source == null ? null : source.toString();
        String hex = source == null ? null : HexFormat.of().formatHex(source.toBytes());
        List<Finding> findings = new ArrayList<>();
        for (TsharkView.Frame t : tshark) {
            if ((mac == null || t.ethSource().equals(mac)) && t.broken()) {
                findings.add(new Finding(t.number(), "tshark", t.describe()));
            }
        }
        for (DecodedFrame f : pcap4j) {
            if (hex != null && !f.from(hex)) {
                continue;
            }
            String problem = f.pcap4jProblem();
            if (problem != null) {
                findings.add(new Finding(f.number(), "pcap4j", problem));
            }
        }
        findings.sort((a, b) -> Integer.compare(a.frame(), b.frame()));
        return findings;
    }

    /**
     * Fails, listing each finding with its frame number and message, unless every frame of
     * {@code file} from {@code source} (all frames when null) decodes cleanly with both decoders.
     * Also fails when the file holds no such frame at all: an empty output proves nothing.
     */
    public static void assertClean(Path file, MacAddress source, String what) throws Exception {
        Tshark.require();
        assertClean(file, TsharkView.read(file), DecodedFrame.read(file), source, what);
    }

    /** The same over a file already decoded by both. */
    public static void assertClean(Path file, List<TsharkView.Frame> tshark, List<DecodedFrame> pcap4j, MacAddress source,
                                   String what) {
        String hex = source == null ? null : HexFormat.of().formatHex(source.toBytes());
        boolean any = pcap4j.stream().anyMatch(f -> hex == null || f.from(hex));
        assertTrue(any, what + ": " + file + " holds no frame " + (source == null ? "" : "from " + source) + " to judge");
        List<Finding> findings = examine(file, tshark, pcap4j, source);
        if (!findings.isEmpty()) {
            StringBuilder sb = new StringBuilder(what + ": the decoders found " + findings.size() + " problem(s) in " + file + ":");
            for (Finding f : findings) {
                sb.append("\n  ").append(f);
            }
            fail(sb.toString());
        }
    }
}
