package io.panamax.rss;

import io.panamax.reactor.testing.SharedData;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The rows of {@code shared/rss/toeplitz-vectors.tsv}, the project's external Toeplitz vectors
 * (Microsoft's verification table and DPDK's test_thash IPv6 table), found with {@link SharedData}.
 */
record ToeplitzVectors(Path file, List<Row> rows) {
    /** Where the vectors are under {@code shared/}. */
    static final String RELATIVE_PATH = "rss/toeplitz-vectors.tsv";
    private static final String HEADER =
            "key_hex\tip_version\tsrc_ip\tdst_ip\tsrc_port\tdst_port\thash_ip_only\thash_ip_tcp\tsource";

    /** One vector: a key, a flow and its two hashes. */
    record Row(int line, byte[] key, int ipVersion, String srcIp, String dstIp, int srcPort, int dstPort,
               int hashIpOnly, int hashIpTcp, String source) {
        @Override
        public String toString() {
            return "line " + line + ": IPv" + ipVersion + " " + srcIp + ":" + srcPort + " -> " + dstIp + ":" + dstPort;
        }
    }

    static ToeplitzVectors load() {
        Path file = SharedData.file(RELATIVE_PATH);
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        if (lines.isEmpty() || !lines.get(0).equals(HEADER)) {
            throw new IllegalStateException(file + ": unexpected header, expected '" + HEADER + "'");
        }
        List<Row> rows = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split("\t", -1);
            if (f.length != 9) {
                throw new IllegalStateException(file + ":" + (i + 1) + ": expected 9 tab-separated fields, got " + f.length);
            }
            rows.add(new Row(i + 1, HexFormat.of().parseHex(f[0]), Integer.parseInt(f[1]), f[2], f[3],
                    Integer.parseInt(f[4]), Integer.parseInt(f[5]), hash(f[6]), hash(f[7]), f[8]));
        }
        return new ToeplitzVectors(file, List.copyOf(rows));
    }

    private static int hash(String text) {
        if (!text.startsWith("0x")) {
            throw new IllegalStateException("a hash is written 0x followed by 8 hex digits, got '" + text + "'");
        }
        return Integer.parseUnsignedInt(text.substring(2), 16);
    }
}
