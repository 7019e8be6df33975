package io.panamax.pcaptests.oracle;

import io.panamax.nic.pcap.Tshark;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One tshark pass over a capture, every checksum verified: per frame, what Wireshark's dissectors
 * report (its expert errors, whether it is malformed, each checksum's status) and the few fields
 * the tests reason with. One pass serves both the decode oracle (the frames the stack sent) and
 * the accounting checks (the frames it received), since tshark's start-up dominates its cost.
 */
public final class TsharkView {
    /** tshark's expert severity "Error" (malformed packets, bad checksums, protocol violations). */
    static final long SEVERITY_ERROR = 0x00800000L;
    /** Separates multiple values of one field in tshark's output: a character no message holds. */
    private static final String AGGREGATOR = "\u001e";
    private static final String[] FIELDS = {"frame.number", "eth.src", "_ws.malformed", "_ws.expert.message",
            "_ws.expert.severity", "ip.checksum.status", "tcp.checksum.status", "udp.checksum.status",
            "icmp.checksum.status", "ip.flags.mf", "ip.frag_offset", "frame.len", "frame.cap_len", "ip.len",
            "frame.protocols", "eth.type"};

    private TsharkView() {
    }

    /**
     * One frame as tshark saw it. Checksum statuses are tshark's: "0" bad, "1" good, "2" not
     * verified, "" absent; for the outermost header of each protocol.
     *
     * @param errors the messages of its expert infos of severity Error (malformed, bad checksum, ...)
     */
    public record Frame(int number, String ethSource, boolean malformed, List<String> errors, String ipChecksum,
                        String tcpChecksum, String udpChecksum, String icmpChecksum, boolean fragment, int frameLength,
                        int capturedLength, int ipTotalLength, String protocols, String ethType) {

        /** Wireshark finds the frame malformed or reports an error in it. */
        public boolean broken() {
            return malformed || !errors.isEmpty() || isBad(ipChecksum) || isBad(tcpChecksum) || isBad(udpChecksum)
                    || isBad(icmpChecksum);
        }

        /** The frame's problems in words, for a test's failure message. */
        public String describe() {
            if (!errors.isEmpty()) {
                return String.join("; ", errors);
            }
            return malformed ? "malformed" : "a checksum tshark marks bad";
        }

        /** VLAN tags (802.1Q or 802.1ad) in front of the network layer. */
        public int vlanTags() {
            return protocols.split(":vlan", -1).length - 1 + protocols.split(":ieee8021ad", -1).length - 1;
        }

        /**
         * A datagram whose every announced byte is present, not a fragment, not cut by the
         * capture: what a transport layer sees whole.
         */
        public boolean wholeDatagram() {
            return ipTotalLength > 0 && !fragment && frameLength == capturedLength
                    && ipTotalLength <= frameLength - 14 - 4 * vlanTags();
        }

        static boolean isBad(String status) {
            return status.equals("0");
        }
    }

    /** Every frame of {@code file}. Needs tshark (the caller checks {@code Tshark.require()}). */
    public static List<Frame> read(Path file) throws Exception {
        List<String> args = new ArrayList<>(List.of("-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
                "-o", "udp.check_checksum:TRUE", "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=" + AGGREGATOR));
        for (String f : FIELDS) {
            args.add("-e");
            args.add(f);
        }
        List<Frame> frames = new ArrayList<>();
        for (String line : Tshark.read(file, args.toArray(String[]::new))) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split("\t", -1);
            if (f.length < FIELDS.length) {
                throw new IllegalStateException("tshark printed " + f.length + " fields, not " + FIELDS.length + ": " + line);
            }
            String[] messages = f[3].isEmpty() ? new String[0] : f[3].split(AGGREGATOR, -1);
            String[] severities = f[4].isEmpty() ? new String[0] : f[4].split(AGGREGATOR, -1);
            List<String> errors = new ArrayList<>();
            for (int i = 0; i < messages.length && i < severities.length; i++) {
                if (Long.parseLong(severities[i].trim()) >= SEVERITY_ERROR) {
                    errors.add(messages[i]);
                }
            }
            String mf = first(f[9]);
            String offset = first(f[10]);
            boolean fragment = mf.equals("1") || mf.equals("True") || (!offset.isEmpty() && !offset.equals("0"));
            frames.add(new Frame(Integer.parseInt(f[0].trim()), first(f[1]), !f[2].isEmpty(), List.copyOf(errors),
                    first(f[5]), first(f[6]), first(f[7]), first(f[8]), fragment, number(f[11]), number(f[12]),
                    number(first(f[13])), f[14], first(f[15])));
        }
        return frames;
    }

    private static String first(String field) {
        int i = field.indexOf(AGGREGATOR);
        return i < 0 ? field : field.substring(0, i);
    }

    private static int number(String s) {
        return s.isEmpty() ? -1 : Integer.parseInt(s.trim());
    }
}
