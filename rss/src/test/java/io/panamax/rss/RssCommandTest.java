package io.panamax.rss;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RssCommandTest {
    private static final ToeplitzVectors VECTORS = ToeplitzVectors.load();

    /** What one run printed. */
    private record Result(int status, String out, String err) {
    }

    private static Result run(int defaultShards, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = new RssCommand(defaultShards).run(args,
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static List<ToeplitzVectors.Row> rows() {
        return VECTORS.rows();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void printsTheVectorHashesAndShard(ToeplitzVectors.Row row) {
        Result r = run(4, "--key", RssKey.toHex(row.key()), "--shards", "7",
                row.srcIp(), String.valueOf(row.srcPort()), row.dstIp(), String.valueOf(row.dstPort()));
        assertEquals(0, r.status(), r.err());
        assertEquals("", r.err());
        assertTrue(r.out().contains("hash 2-tuple 0x%08x\n".formatted(row.hashIpOnly())), r.out());
        assertTrue(r.out().contains("hash 4-tuple 0x%08x\n".formatted(row.hashIpTcp())), r.out());
        int index = row.hashIpTcp() & 127;
        assertTrue(r.out().contains("reta index   " + index + " of 128 (low bits of the 4-tuple hash)\n"), r.out());
        assertTrue(r.out().contains("shard        " + index % 7 + " of 7\n"), r.out());
    }

    @Test
    void wholeOutputForTheFirstMicrosoftIpv4Row() {
        Result r = run(4, "66.9.149.187", "2794", "161.142.100.80", "1766");
        assertEquals(0, r.status());
        assertEquals("""
                key          6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c6a42b73bbeac01fa
                flow         66.9.149.187:2794 -> 161.142.100.80:1766
                hash 2-tuple 0x323e8fc2
                hash 4-tuple 0x51ccc178
                reta index   120 of 128 (low bits of the 4-tuple hash)
                shard        0 of 4
                """, r.out());
    }

    @Test
    void addressesOnlyPrintTheTwoTupleHash() {
        Result r = run(4, "--shards", "16", "199.92.111.2", "65.69.140.83");
        assertEquals(0, r.status());
        assertEquals("""
                key          6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c6a42b73bbeac01fa
                flow         199.92.111.2 -> 65.69.140.83
                hash 2-tuple 0xd718262a
                reta index   42 of 128 (low bits of the 2-tuple hash)
                shard        10 of 16
                """, r.out());
    }

    @Test
    void symmetricKeyGivesTheSameHashBothWays() {
        String key = RssKey.toHex(RssKey.symmetric(40));
        Result there = run(4, "--key", key, "10.0.0.1", "40000", "10.0.0.2", "80");
        Result back = run(4, "--key", key, "10.0.0.2", "80", "10.0.0.1", "40000");
        String hashThere = there.out().lines().filter(l -> l.startsWith("hash 4-tuple")).findFirst().orElseThrow();
        String hashBack = back.out().lines().filter(l -> l.startsWith("hash 4-tuple")).findFirst().orElseThrow();
        assertEquals(hashThere, hashBack);
    }

    @Test
    void defaultShardsAndRetaSize() {
        assertTrue(run(3, "1.2.3.4", "5.6.7.8").out().endsWith(" of 3\n"));
        Result many = run(200, "1.2.3.4", "5.6.7.8");
        assertTrue(many.out().contains(" of 1024 (low bits"), "four entries per shard: " + many.out());
        Result bigTable = run(4, "--reta-size", "512", "66.9.149.187", "2794", "161.142.100.80", "1766");
        assertTrue(bigTable.out().contains("reta index   376 of 512"), bigTable.out());
    }

    @Test
    void helpGoesToStandardOutput() {
        Result r = run(4, "--help");
        assertEquals(0, r.status());
        assertTrue(r.out().startsWith("usage: panamax rss [--key HEX] [--shards N]"), r.out());
        assertTrue(r.out().contains("available processors, 4 here"), r.out());
        assertEquals("", r.err());
    }

    @Test
    void badArgumentsGiveOneLineAndStatusTwo() {
        expectError("panamax rss: expected SRC_IP SRC_PORT DST_IP DST_PORT or SRC_IP DST_IP, got 0 arguments (see --help)");
        expectError("panamax rss: expected SRC_IP SRC_PORT DST_IP DST_PORT or SRC_IP DST_IP, got 3 arguments (see --help)",
                "1.2.3.4", "80", "5.6.7.8");
        expectError("panamax rss: not an IPv4 address: '1.2.3' (see --help)", "1.2.3", "5.6.7.8");
        expectError("panamax rss: not an IPv4 address: '1.2.3.256' (octet 256 > 255) (see --help)", "1.2.3.256", "5.6.7.8");
        expectError("panamax rss: SRC_PORT must be a port 0..65535, got '65536' (see --help)", "1.2.3.4", "65536", "5.6.7.8", "80");
        expectError("panamax rss: DST_PORT must be a port 0..65535, got 'http' (see --help)", "1.2.3.4", "1", "5.6.7.8", "http");
        expectError("panamax rss: unknown option --shard (see --help)", "--shard", "4", "1.2.3.4", "5.6.7.8");
        expectError("panamax rss: --shards needs a value (see --help)", "1.2.3.4", "5.6.7.8", "--shards");
        expectError("panamax rss: --shards needs a positive integer, got '0' (see --help)", "--shards", "0", "1.2.3.4", "5.6.7.8");
        expectError("panamax rss: --reta-size must be a power of two up to 65536, got 100 (see --help)",
                "--reta-size", "100", "1.2.3.4", "5.6.7.8");
        expectError("panamax rss: --shards 256 is more than the 128 table entries: some shards would receive nothing (see --help)",
                "--shards", "256", "--reta-size", "128", "1.2.3.4", "5.6.7.8");
        expectError("panamax rss: 'z' is not a hex digit in RSS key 'zz' (see --help)", "--key", "zz", "1.2.3.4", "5.6.7.8");
        expectError("panamax rss: --key has 4 bytes; an RSS key has 16 to 128 (40 is standard) (see --help)",
                "--key", "6d5a6d5a", "1.2.3.4", "5.6.7.8");
        expectError("panamax rss: SRC_IP and DST_IP must both be IPv4 or both IPv6: '::1', '1.2.3.4' (see --help)", "::1", "1.2.3.4");
        expectError("panamax rss: the IPv6 4-tuple has 36 bytes; this 36-byte RSS key hashes at most 32 "
                        + "(it needs a key of at least 40 bytes) (see --help)",
                "--key", "00".repeat(36), "::1", "1", "::2", "2");
        expectError("panamax rss: not an IPv6 address: 'fe80::1%eth0' (zone ids are not hashed) (see --help)", "fe80::1%eth0", "::1");
    }

    private static void expectError(String line, String... args) {
        Result r = run(4, args);
        assertEquals(RssCommand.USAGE_ERROR, r.status(), String.join(" ", args));
        assertEquals(line + "\n", r.err());
        assertEquals("", r.out());
    }
}
