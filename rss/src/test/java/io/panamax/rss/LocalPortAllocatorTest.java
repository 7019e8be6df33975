package io.panamax.rss;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalPortAllocatorTest {
    private static final int LOCAL = 0x0a070002;   // 10.7.0.2
    private static final int REMOTE = 0x0a070001;  // 10.7.0.1
    private static final int HTTP = 80;

    /** The shard the NIC sends a reply to, recomputed bit by bit from the reply's header bytes. */
    private static int replyShard(RedirectionTable table, boolean hardware, int shards,
                                  int localIp, int localPort, int remoteIp, int remotePort) {
        byte[] reply = ByteBuffer.allocate(12).putInt(remoteIp).putInt(localIp)
                .putShort((short) remotePort).putShort((short) localPort).array();
        int hash = BitwiseToeplitz.hash(RssKey.microsoft(), reply);
        int queue = table.entry((int) (Integer.toUnsignedLong(hash) % table.size()));
        return hardware ? queue % shards : queue;
    }

    @ParameterizedTest(name = "{0} shards, software")
    @ValueSource(ints = {1, 2, 3, 4, 8, 16})
    void repliesSteerToTheConnectingShardInSoftware(int shards) {
        RedirectionTable table = RedirectionTable.spreading(128, shards);
        FlowSteering steering = FlowSteering.software(Toeplitz.microsoft(), table, 1);
        checkReplies(steering, table, false, shards);
    }

    @ParameterizedTest(name = "{0} shards, hardware")
    @ValueSource(ints = {1, 2, 4, 8})
    void repliesSteerToTheConnectingShardInHardware(int shards) {
        RedirectionTable table = RedirectionTable.spreading(512, shards * 2);
        FlowSteering steering = FlowSteering.hardware(Toeplitz.microsoft(), table, shards);
        checkReplies(steering, table, true, shards);
    }

    private static void checkReplies(FlowSteering steering, RedirectionTable table, boolean hardware, int shards) {
        SplittableRandom random = new SplittableRandom(shards);
        for (int shard = 0; shard < shards; shard++) {
            LocalPortAllocator ports = new LocalPortAllocator(steering.copy(), shard, PortRange.LINUX_EPHEMERAL, shard);
            for (int i = 0; i < 200; i++) {
                int remote = random.nextInt();
                int remotePort = 1 + random.nextInt(0xffff);
                int port = ports.allocate(LOCAL, remote, remotePort);
                assertTrue(PortRange.LINUX_EPHEMERAL.contains(port), "port " + port);
                assertEquals(shard, replyShard(table, hardware, shards, LOCAL, port, remote, remotePort),
                        "reply to port " + port + " from " + Integer.toHexString(remote) + ":" + remotePort);
            }
            assertEquals(200, ports.inUseCount());
        }
    }

    /**
     * IPv6 active opens: every chosen port's reply 4-tuple (remote → local, 36 bytes) hashed bit
     * by bit lands on the connecting shard, in both modes.
     */
    @ParameterizedTest(name = "{0} shards")
    @ValueSource(ints = {1, 2, 3, 4, 8})
    void ipv6RepliesSteerToTheConnectingShard(int shards) {
        SplittableRandom random = new SplittableRandom(6 * shards);
        long localHigh = 0xfd00_0007_0000_0000L;
        long localLow = 2;
        for (boolean hardware : new boolean[] {false, true}) {
            RedirectionTable table = RedirectionTable.spreading(128, hardware ? shards * 2 : shards);
            FlowSteering steering = hardware ? FlowSteering.hardware(Toeplitz.microsoft(), table, shards)
                    : FlowSteering.software(Toeplitz.microsoft(), table, 1);
            for (int shard = 0; shard < shards; shard++) {
                LocalPortAllocator ports = new LocalPortAllocator(steering.copy(), shard, PortRange.LINUX_EPHEMERAL, shard);
                for (int i = 0; i < 100; i++) {
                    long remoteHigh = random.nextLong();
                    long remoteLow = random.nextLong();
                    int remotePort = 1 + random.nextInt(0xffff);
                    int port = ports.allocate6(localHigh, localLow, remoteHigh, remoteLow, remotePort);
                    byte[] reply = ByteBuffer.allocate(36).putLong(remoteHigh).putLong(remoteLow).putLong(localHigh).putLong(localLow)
                            .putShort((short) remotePort).putShort((short) port).array();
                    int queue = table.entry(BitwiseToeplitz.hash(RssKey.microsoft(), reply) & (table.size() - 1));
                    assertEquals(shard, hardware ? queue % shards : queue, "reply to port " + port);
                }
                assertEquals(100, ports.inUseCount());
            }
        }
    }

    @Test
    void shardsExhaustingOneRemoteUseEveryPortExactlyOnce() {
        int shards = 4;
        PortRange range = new PortRange(40000, 40999);
        FlowSteering steering = FlowSteering.forQueues(Toeplitz.microsoft(), 128, 1, shards);
        BitSet taken = new BitSet();
        int total = 0;
        for (int shard = 0; shard < shards; shard++) {
            LocalPortAllocator ports = new LocalPortAllocator(steering.copy(), shard, range, 99 + shard);
            Set<Integer> mine = new HashSet<>();
            while (true) {
                int port;
                try {
                    port = ports.allocate(LOCAL, REMOTE, HTTP);
                } catch (LocalPortsExhaustedException e) {
                    assertEquals(shard, e.shard());
                    break;
                }
                assertTrue(mine.add(port), "shard " + shard + " chose " + port + " twice");
                assertFalse(taken.get(port), "port " + port + " to the same remote chosen by two shards");
                taken.set(port);
                total++;
            }
            // A shard's share is about a quarter of the range.
            assertTrue(mine.size() > 150 && mine.size() < 350, "shard " + shard + " got " + mine.size() + " ports");
        }
        // Every port steers to exactly one shard, so together the shards use the whole range.
        assertEquals(range.size(), total);
        assertEquals(range.size(), taken.cardinality());
    }

    @Test
    void strideVisitsEveryPortOnce() {
        for (int size = 1; size <= 3000; size++) {
            int stride = LocalPortAllocator.coprimeStride(size);
            BitSet seen = new BitSet(size);
            int offset = 0;
            for (int i = 0; i < size; i++) {
                seen.set(offset);
                offset = (offset + stride) % size;
            }
            assertEquals(size, seen.cardinality(), "size " + size + ", stride " + stride);
        }
        assertEquals(17449, LocalPortAllocator.coprimeStride(PortRange.LINUX_EPHEMERAL.size()));
    }

    /**
     * About one port in {@code shards} steers to a shard, so a connect should take about
     * {@code shards} tries whatever the key; a port-by-port walk took up to 12 times that with
     * some random keys because neighbouring ports share the table-index bits of their hash.
     */
    @ParameterizedTest(name = "{0} shards")
    @ValueSource(ints = {2, 4, 16, 64})
    void aConnectTakesAboutShardsTries(int shards) {
        SplittableRandom random = new SplittableRandom(shards * 31L);
        for (int k = 0; k < 8; k++) {
            byte[] key = new byte[40];
            random.nextBytes(key);
            Toeplitz toeplitz = k == 0 ? Toeplitz.microsoft() : k == 1 ? Toeplitz.symmetric() : Toeplitz.of(key);
            FlowSteering steering = FlowSteering.forDevice(toeplitz, io.panamax.nic.NicCapabilities.none(1), 1, shards);
            LocalPortAllocator ports;
            try {
                ports = new LocalPortAllocator(steering, random.nextInt(shards), PortRange.LINUX_EPHEMERAL, k);
            } catch (IllegalArgumentException refused) {
                assertTrue(k >= 2 && refused.getMessage().startsWith("with RSS key "), refused.getMessage());
                continue;
            }
            for (int i = 0; i < 2000; i++) {
                int port = ports.allocate(random.nextInt(), random.nextInt(), 1 + random.nextInt(0xffff));
                ports.release(port);
            }
            assertEquals(2000, ports.allocations());
            double mean = ports.tries() / (double) ports.allocations();
            assertTrue(mean < 1.5 * shards, toeplitz + ": " + mean + " tries per connect for " + shards + " shards");
        }
    }

    @Test
    void releaseMakesAPortAvailableAgain() {
        FlowSteering steering = FlowSteering.forQueues(Toeplitz.microsoft(), 128, 1, 2);
        PortRange range = new PortRange(50000, 50099);
        LocalPortAllocator ports = new LocalPortAllocator(steering, 1, range, 1);
        Set<Integer> all = new HashSet<>();
        try {
            while (true) {
                all.add(ports.allocate(LOCAL, REMOTE, HTTP));
            }
        } catch (LocalPortsExhaustedException expected) {
            // all of shard 1's ports to this remote are taken
        }
        int one = all.iterator().next();
        ports.release(one);
        assertFalse(ports.isInUse(one));
        assertEquals(one, ports.allocate(LOCAL, REMOTE, HTTP), "the only free port that steers here");
        assertTrue(ports.isInUse(one));
    }

    @Test
    void exhaustionSaysWhatIsExhausted() {
        FlowSteering steering = FlowSteering.forQueues(Toeplitz.microsoft(), 128, 1, 2);
        LocalPortAllocator ports = new LocalPortAllocator(steering, 0, new PortRange(50000, 50009), 1);
        LocalPortsExhaustedException e = assertThrows(LocalPortsExhaustedException.class, () -> {
            while (true) {
                ports.allocate(LOCAL, REMOTE, HTTP);
            }
        });
        assertTrue(e.getMessage().matches("no free local port for 10\\.7\\.0\\.2 -> 10\\.7\\.0\\.1:80 on shard 0: all \\d+ ports of "
                + "50000-50009 whose replies steer to this shard are in use \\(\\d+ ports in use here\\)"), e.getMessage());
    }

    @Test
    void exhaustionAfterATableChangeSaysNoPortSteersHere() {
        FlowSteering steering = FlowSteering.forQueues(Toeplitz.microsoft(), 128, 1, 2);
        LocalPortAllocator ports = new LocalPortAllocator(steering, 1, PortRange.LINUX_EPHEMERAL, 1);
        RedirectionTable allToZero = RedirectionTable.spreading(128, 2);
        allToZero.setAll(0);
        steering.updateTable(allToZero);
        LocalPortsExhaustedException e = assertThrows(LocalPortsExhaustedException.class, () -> ports.allocate(LOCAL, REMOTE, HTTP));
        assertEquals("no free local port for 10.7.0.2 -> 10.7.0.1:80 on shard 1: no port of 32768-60999 steers replies"
                + " to this shard with the current key and table", e.getMessage());
    }

    /** A random key (0.2% of random keys are like it) whose port bits have rank 4 in the 6 low index bits. */
    private static final String DEFICIENT_KEY =
            "e1f25a5b2ea2b27c0de9d98e2de65cb95b9ef2b248611e2ef8a4add7b1eb1bf3a6b641b0ffccb642";

    @Test
    void aKeyWhosePortsMissPartOfTheTableIsRefused() {
        FlowSteering steering = FlowSteering.forQueues(Toeplitz.of(RssKey.parseHex(DEFICIENT_KEY)), 256, 1, 64);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new LocalPortAllocator(steering, 13, PortRange.LINUX_EPHEMERAL, 1));
        assertTrue(e.getMessage().startsWith("with RSS key " + DEFICIENT_KEY + " the local ports 32768-60999 reach only 112 of the 256"
                + " redirection table entries, and for some destinations none that leads to shard 13"), e.getMessage());
        // With four shards only two index bits matter, and the key reaches all their values.
        FlowSteering fewer = FlowSteering.forQueues(Toeplitz.of(RssKey.parseHex(DEFICIENT_KEY)), 256, 1, 4);
        for (int shard = 0; shard < 4; shard++) {
            new LocalPortAllocator(fewer, shard, PortRange.LINUX_EPHEMERAL, 1).allocate(LOCAL, REMOTE, HTTP);
        }
    }

    @Test
    void fullRangeFailsAtOnce() {
        FlowSteering steering = FlowSteering.forQueues(Toeplitz.microsoft(), 128, 1, 1);
        LocalPortAllocator ports = new LocalPortAllocator(steering, 0, new PortRange(1000, 1003), 1);
        for (int i = 0; i < 4; i++) {
            ports.allocate(LOCAL, REMOTE, HTTP);
        }
        assertEquals(4, ports.inUseCount());
        assertThrows(LocalPortsExhaustedException.class, () -> ports.allocate(LOCAL, REMOTE, HTTP));
    }

    @Test
    void reservedPortsAreNotChosen() {
        FlowSteering steering = FlowSteering.forQueues(Toeplitz.microsoft(), 128, 1, 1);
        PortRange range = new PortRange(2000, 2009);
        LocalPortAllocator ports = new LocalPortAllocator(steering, 0, range, 1);
        assertTrue(ports.reserve(2003));
        assertFalse(ports.reserve(2003), "already reserved");
        assertTrue(ports.reserve(80), "outside the range: nothing to reserve");
        for (int i = 0; i < 9; i++) {
            assertTrue(ports.allocate(LOCAL, REMOTE, HTTP) != 2003);
        }
        assertThrows(LocalPortsExhaustedException.class, () -> ports.allocate(LOCAL, REMOTE, HTTP));
    }

    @Test
    void sameSeedSameChoices() {
        FlowSteering steering = FlowSteering.forQueues(Toeplitz.microsoft(), 128, 4, 4);
        LocalPortAllocator a = new LocalPortAllocator(steering, 2, PortRange.LINUX_EPHEMERAL, 7);
        LocalPortAllocator b = new LocalPortAllocator(steering.copy(), 2, PortRange.LINUX_EPHEMERAL, 7);
        LocalPortAllocator c = new LocalPortAllocator(steering.copy(), 2);
        Set<Integer> fromC = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            assertEquals(a.allocate(LOCAL, REMOTE + i, HTTP), b.allocate(LOCAL, REMOTE + i, HTTP));
            fromC.add(c.allocate(LOCAL, REMOTE, HTTP));
        }
        assertEquals(100, fromC.size());
    }

    @Test
    void badArguments() {
        FlowSteering steering = FlowSteering.forQueues(Toeplitz.microsoft(), 128, 1, 4);
        assertEquals("shard 4 is not one of the 4 shards 0..3",
                assertThrows(IllegalArgumentException.class, () -> new LocalPortAllocator(steering, 4)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new LocalPortAllocator(steering, -1));
        LocalPortAllocator ports = new LocalPortAllocator(steering, 0);
        assertThrows(IllegalArgumentException.class, () -> ports.allocate(LOCAL, REMOTE, 0));
        assertThrows(IllegalArgumentException.class, () -> ports.allocate(LOCAL, REMOTE, 65536));
        assertEquals("port 40000 is not in use on shard 0",
                assertThrows(IllegalStateException.class, () -> ports.release(40000)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> ports.release(1000));
        assertThrows(IllegalArgumentException.class, () -> ports.release(70000));
        int port = ports.allocate(LOCAL, REMOTE, HTTP);
        ports.release(port);
        assertThrows(IllegalStateException.class, () -> ports.release(port), "double release");
    }

    @Test
    void aShardWithoutTableEntriesCannotConnect() {
        RedirectionTable table = RedirectionTable.spreading(128, 4);
        for (int i = 0; i < 128; i++) {
            if (table.entry(i) == 3) {
                table.set(i, 0);
            }
        }
        FlowSteering steering = FlowSteering.software(Toeplitz.microsoft(), table, 1);
        assertEquals("no redirection table entry leads to shard 3: no reply could reach it, so it cannot open connections",
                assertThrows(IllegalArgumentException.class, () -> new LocalPortAllocator(steering, 3)).getMessage());
    }

    @Test
    void portRanges() {
        assertEquals(28232, PortRange.LINUX_EPHEMERAL.size());
        assertEquals(new PortRange(1024, 2047), PortRange.parse(" 1024-2047 "));
        assertThrows(IllegalArgumentException.class, () -> PortRange.parse("1024"));
        assertThrows(IllegalArgumentException.class, () -> PortRange.parse("a-b"));
        assertThrows(IllegalArgumentException.class, () -> new PortRange(0, 10));
        assertThrows(IllegalArgumentException.class, () -> new PortRange(10, 9));
        assertThrows(IllegalArgumentException.class, () -> new PortRange(10, 65536));
    }
}
