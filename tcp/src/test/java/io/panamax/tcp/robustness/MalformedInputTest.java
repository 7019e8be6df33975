package io.panamax.tcp.robustness;

import io.panamax.ip.Ipv4Address;
import io.panamax.reactor.buffer.Packet;
import io.panamax.tcp.DropReason;
import io.panamax.tcp.TcpState;
import io.panamax.tcp.script.SegmentSpec;
import io.panamax.tcp.script.TcpScript;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static io.panamax.tcp.wire.TcpHeader.ACK;
import static io.panamax.tcp.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input is dropped under a named, counted reason; never an exception, never a leaked buffer. */
class MalformedInputTest {

    @Test
    void eachKindOfBadSegmentIsCountedUnderItsReason() {
        try (TcpScript s = new TcpScript()) {
            s.listen();
            byte[] good = s.seg().syn().seq(1).bytes(s.reactor.shard(0).packets());
            s.injectRaw(java.util.Arrays.copyOf(good, 12), 0);
            assertEquals(1, s.tcp.counters().drops(DropReason.TOO_SHORT));

            byte[] shortOffset = good.clone();
            shortOffset[12] = 0x40;
            s.injectRaw(shortOffset, Packet.RX_L4_CHECKSUM_GOOD);
            byte[] longOffset = good.clone();
            longOffset[12] = (byte) 0xf0;
            s.injectRaw(longOffset, Packet.RX_L4_CHECKSUM_GOOD);
            assertEquals(2, s.tcp.counters().drops(DropReason.BAD_HEADER_LENGTH));

            s.inject(s.seg().syn().seq(1).corruptChecksum());
            s.inject(s.seg().syn().seq(1).nicFlags(Packet.RX_L4_CHECKSUM_BAD));
            assertEquals(2, s.tcp.counters().drops(DropReason.BAD_CHECKSUM));

            // Option length 0, length past the end, MSS of the wrong length (RFC 9293 3.1).
            s.inject(s.seg().syn().seq(1).rawOptions(2, 0, 0, 0));
            s.inject(s.seg().syn().seq(1).rawOptions(1, 1, 8, 10));
            s.inject(s.seg().syn().seq(1).rawOptions(2, 3, 5, 1));
            assertEquals(3, s.tcp.counters().drops(DropReason.BAD_OPTIONS));

            s.inject(s.seg().syn().seq(1).srcPort(0));
            assertEquals(1, s.tcp.counters().drops(DropReason.ZERO_PORT));
            s.inject(s.seg().syn().seq(1).srcIp(Ipv4Address.parse("224.0.0.1")));
            s.inject(s.seg().syn().seq(1).srcIp(Ipv4Address.BROADCAST));
            assertEquals(2, s.tcp.counters().drops(DropReason.BAD_ADDRESS));
            s.inject(s.seg().syn().rst().seq(1));
            assertEquals(1, s.tcp.counters().drops(DropReason.BAD_FLAGS));
            s.expectNothing();
            assertEquals(0, s.tcp.connectionCount());
        }
    }

    @Test
    void nicChecksumVerdictIsTrusted() {
        try (TcpScript s = new TcpScript()) {
            s.listen();
            // A wrong checksum the NIC says it verified: trusted, not summed again.
            s.inject(s.seg().syn().seq(1).corruptChecksum().nicFlags(Packet.RX_L4_CHECKSUM_GOOD));
            s.expect().flags(SYN | ACK);
        }
    }

    @Test
    void unknownOptionsAreSkipped() {
        try (TcpScript s = new TcpScript()) {
            s.listen();
            // Kind 30 (MPTCP) with length 4, then MSS 1200, then EOL and garbage after it.
            s.inject(s.seg().syn().seq(1).rawOptions(30, 4, 0, 0, 2, 4, 0x04, 0xb0, 0, 99, 99, 99));
            var synAck = s.expect().flags(SYN | ACK).mss(1460);
            s.inject(s.seg().seq(2).ack(synAck.seq + 1));
            assertEquals(1200, s.on(s.accepted.getFirst()::maxSegmentSize), "the MSS after the unknown option was read");
        }
    }

    @Test
    void checksumOffloadWritesThePseudoHeaderSum() {
        try (TcpScript s = new TcpScript()) {
            s.ip.setOffload(true);
            s.listen();
            s.inject(s.seg().syn().seq(1));
            // The recorder plays the NIC: it finishes the checksum and checks that it verifies.
            s.expect().flags(SYN | ACK);
        }
    }

    @Test
    void fuzzedSegmentsNeverThrowOrLeak() {
        try (TcpScript s = new TcpScript()) {
            var e = s.acceptPlain(1000);
            Random rnd = new Random(7);
            var pool = s.reactor.shard(0).packets();
            byte[][] seeds = {
                    s.seg().syn().seq(5).mss(1460).windowScale(7).sackPermitted().ts(1, 0).bytes(pool),
                    s.seg().seq(e.rcvNxt()).ack(e.sndNxt()).payload("payload").bytes(pool),
                    s.seg().seq(e.rcvNxt()).ack(e.sndNxt()).sack(1, 2, 3, 4).ts(9, 9).bytes(pool),
                    s.seg().fin().seq(e.rcvNxt()).ack(e.sndNxt()).bytes(pool),
            };
            for (int i = 0; i < 20_000; i++) {
                byte[] b;
                if (rnd.nextInt(4) == 0) {
                    b = new byte[rnd.nextInt(80)];
                    rnd.nextBytes(b);
                } else {
                    b = seeds[rnd.nextInt(seeds.length)].clone();
                    int flips = 1 + rnd.nextInt(6);
                    for (int k = 0; k < flips; k++) {
                        b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
                    }
                    if (rnd.nextInt(8) == 0) {
                        b = java.util.Arrays.copyOf(b, rnd.nextInt(b.length + 1));
                    }
                }
                // Half claim a good checksum, so that the parser and state machine see the mutations.
                s.injectRaw(b, rnd.nextBoolean() ? Packet.RX_L4_CHECKSUM_GOOD : 0);
                s.ip.clear();
            }
            long drops = 0;
            for (DropReason r : DropReason.values()) {
                drops += s.tcp.counters().drops(r);
            }
            assertTrue(drops > 10_000, "most fuzzed segments are dropped and counted: " + drops);
        }
    }

    @Test
    void establishedConnectionSurvivesGarbageAndStillWorks() {
        try (TcpScript s = new TcpScript()) {
            var e = s.acceptPlain(1000);
            var pool = s.reactor.shard(0).packets();
            Random rnd = new Random(3);
            for (int i = 0; i < 2000; i++) {
                SegmentSpec x = s.seg().seq(rnd.nextInt()).ack(rnd.nextInt()).window(rnd.nextInt(65536)).payload(new byte[rnd.nextInt(50)]);
                s.inject(x);
            }
            s.ip.clear();
            if (s.on(e.conn()::state) == TcpState.ESTABLISHED) {
                s.inject(s.seg().seq(e.rcvNxt()).ack(e.sndNxt()).payload("ok"));
                var got = s.read(e.conn());
                assertArrayEquals("ok".getBytes(), got.join());
            }
            assertTrue(pool.inUse() < 10);
        }
    }
}
