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
    /** tshark's expert severity "Error" (malformed packets, bad checksums, protocol violations). */
    private static final long SEVERITY_ERROR = 0x00800000L;
    /** Separates multiple values of one field in tshark's output: a character no message holds. */
    private static final String AGGREGATOR = "\u001e";
    private static final String PROBLEMS = "_ws.malformed || _ws.expert.severity >= \"Error\""
            + " || ip.checksum.status == 0 || tcp.checksum.status == 0 || udp.checksum.status == 0"
            + " || icmp.checksum.status == 0";

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
        List<Finding> findings = new ArrayList<>(tshark(file, source));
        String mac = source == null ? null : HexFormat.of().formatHex(source.toBytes());
        for (DecodedFrame f : DecodedFrame.read(file)) {
            if (mac != null && !f.from(mac)) {
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
        String mac = source == null ? null : HexFormat.of().formatHex(source.toBytes());
        boolean any = DecodedFrame.read(file).stream().anyMatch(f -> mac == null || f.from(mac));
        assertTrue(any, what + ": " + file + " holds no frame " + (mac == null ? "" : "from " + source) + " to judge");
        List<Finding> findings = examine(file, source);
        if (!findings.isEmpty()) {
            StringBuilder sb = new StringBuilder(what + ": the decoders found " + findings.size() + " problem(s) in " + file + ":");
            for (Finding f : findings) {
                sb.append("\n  ").append(f);
            }
            fail(sb.toString());
        }
    }

    private static List<Finding> tshark(Path file, MacAddress source) throws Exception {
        String filter = source == null ? PROBLEMS : "eth.src == " + source + " && (" + PROBLEMS + ")";
        List<String> lines = Tshark.read(file, "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
                "-o", "udp.check_checksum:TRUE", "-Y", filter, "-T", "fields", "-E", "aggregator=" + AGGREGATOR,
                "-e", "frame.number", "-e", "_ws.expert.message", "-e", "_ws.expert.severity");
        List<Finding> findings = new ArrayList<>();
        for (String line : lines) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split("\t", -1);
            int frame = Integer.parseInt(f[0].trim());
            String[] messages = f.length > 1 ? f[1].split(AGGREGATOR, -1) : new String[0];
            String[] severities = f.length > 2 ? f[2].split(AGGREGATOR, -1) : new String[0];
            List<String> errors = new ArrayList<>();
            for (int i = 0; i < messages.length; i++) {
                long severity = i < severities.length && !severities[i].isBlank() ? Long.parseLong(severities[i].trim()) : 0;
                if (severity >= SEVERITY_ERROR) {
                    errors.add(messages[i]);
                }
            }
            String message = !errors.isEmpty() ? String.join("; ", errors)
                    : messages.length > 0 && !messages[0].isBlank() ? String.join("; ", messages)
                    : "matched " + PROBLEMS;
            findings.add(new Finding(frame, "tshark", message));
        }
        return findings;
    }
}
