package io.panamax.rss;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The table-driven hash against the bitwise reference, its algebra, and its errors. */
class ToeplitzTest {
    private static final int RANDOM_KEYS = 200;
    private static final int INPUTS_PER_KEY = 100;

    @Test
    void tableEqualsBitwiseOnRandomKeysAndInputs() {
        SplittableRandom random = new SplittableRandom(0x70e9117L);
        int checked = 0;
        for (int k = 0; k < RANDOM_KEYS; k++) {
            byte[] key = randomBytes(random, Toeplitz.MIN_KEY_BYTES + random.nextInt(60));
            Toeplitz t = Toeplitz.of(key);
            for (int i = 0; i < INPUTS_PER_KEY; i++) {
                int length = random.nextInt(t.maxInputBytes() + 1);
                int offset = random.nextInt(4);
                byte[] buffer = randomBytes(random, offset + length + random.nextInt(4));
                assertEquals(BitwiseToeplitz.hash(key, buffer, offset, length), t.hash(buffer, offset, length),
                        () -> "key " + RssKey.toHex(key) + ", input " + RssKey.toHex(buffer) + " [" + offset + ", +" + length + ")");
                checked++;
            }
        }
        assertEquals(RANDOM_KEYS * INPUTS_PER_KEY, checked);
    }

    @Test
    void ipv4FastPathsEqualBitwiseOnRandomTuples() {
        SplittableRandom random = new SplittableRandom(42);
        for (int k = 0; k < RANDOM_KEYS; k++) {
            byte[] key = randomBytes(random, Toeplitz.MIN_KEY_BYTES + random.nextInt(40));
            Toeplitz t = Toeplitz.of(key);
            for (int i = 0; i < INPUTS_PER_KEY; i++) {
                int src = random.nextInt();
                int dst = random.nextInt();
                int sport = random.nextInt(0x10000);
                int dport = random.nextInt(0x10000);
                byte[] tuple = ByteBuffer.allocate(12).putInt(src).putInt(dst)
                        .putShort((short) sport).putShort((short) dport).array();
                assertEquals(BitwiseToeplitz.hash(key, tuple, 0, 8), t.hashIpv4(src, dst));
                assertEquals(BitwiseToeplitz.hash(key, tuple, 0, 12), t.hashIpv4Tcp(src, dst, sport, dport));
            }
        }
    }

    @Test
    void ipv6FastPathsEqualBitwiseOnRandomTuples() {
        SplittableRandom random = new SplittableRandom(6);
        for (int k = 0; k < 50; k++) {
            byte[] key = randomBytes(random, 40 + random.nextInt(20));
            Toeplitz t = Toeplitz.of(key);
            for (int i = 0; i < INPUTS_PER_KEY; i++) {
                byte[] tuple = randomBytes(random, 36);
                ByteBuffer b = ByteBuffer.wrap(tuple);
                long sh = b.getLong();
                long sl = b.getLong();
                long dh = b.getLong();
                long dl = b.getLong();
                int sport = b.getShort() & 0xffff;
                int dport = b.getShort() & 0xffff;
                assertEquals(BitwiseToeplitz.hash(key, tuple, 0, 32), t.hashIpv6(sh, sl, dh, dl));
                assertEquals(BitwiseToeplitz.hash(key, tuple, 0, 36), t.hashIpv6Tcp(sh, sl, dh, dl, sport, dport));
            }
        }
    }

    @Test
    void hashIsLinearInTheDestinationPort() {
        Toeplitz t = Toeplitz.microsoft();
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 10_000; i++) {
            int src = random.nextInt();
            int dst = random.nextInt();
            int sport = random.nextInt(0x10000);
            int dport = random.nextInt(0x10000);
            assertEquals(t.hashIpv4Tcp(src, dst, sport, dport),
                    t.hashIpv4Tcp(src, dst, sport, 0) ^ t.ipv4TcpDestinationPortTerm(dport));
        }
    }

    @Test
    void zeroInputHashesToZero() {
        assertEquals(0, Toeplitz.microsoft().hashIpv4Tcp(0, 0, 0, 0));
        assertEquals(0, Toeplitz.microsoft().hash(new byte[0]));
    }

    @Test
    void symmetricKeyHashesBothDirectionsAlike() {
        Toeplitz symmetric = Toeplitz.symmetric();
        Toeplitz microsoft = Toeplitz.microsoft();
        SplittableRandom random = new SplittableRandom(11);
        int asymmetricWithMicrosoftKey = 0;
        for (int i = 0; i < 10_000; i++) {
            int a = random.nextInt();
            int b = random.nextInt();
            int pa = random.nextInt(0x10000);
            int pb = random.nextInt(0x10000);
            assertEquals(symmetric.hashIpv4Tcp(a, b, pa, pb), symmetric.hashIpv4Tcp(b, a, pb, pa));
            assertEquals(symmetric.hashIpv4(a, b), symmetric.hashIpv4(b, a));
            if (microsoft.hashIpv4Tcp(a, b, pa, pb) != microsoft.hashIpv4Tcp(b, a, pb, pa)) {
                asymmetricWithMicrosoftKey++;
            }
        }
        // The property comes from the key: the standard key is not symmetric.
        assertTrue(asymmetricWithMicrosoftKey > 9_900, "asymmetric flows with the standard key: " + asymmetricWithMicrosoftKey);
    }

    @Test
    void symmetricKeyDependsOnlyOnTheXorOfSixteenBitWords() {
        // The documented weakness: 1.2.3.4 and 3.4.1.2 have the same 16-bit halves, XORed.
        Toeplitz symmetric = Toeplitz.symmetric();
        assertEquals(symmetric.hashIpv4(0x01020304, 0x0a000001), symmetric.hashIpv4(0x03040102, 0x0a000001));
        assertNotEquals(Toeplitz.microsoft().hashIpv4(0x01020304, 0x0a000001), Toeplitz.microsoft().hashIpv4(0x03040102, 0x0a000001));
    }

    @Test
    void symmetricKeyRepeats6d5a() {
        assertArrayEquals(new byte[] {0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a},
                RssKey.symmetric(16));
        assertEquals(40, Toeplitz.symmetric().key().length);
    }

    @Test
    void keyIsCopiedInAndOut() {
        byte[] key = RssKey.microsoft();
        Toeplitz t = Toeplitz.of(key);
        int before = t.hashIpv4(1, 2);
        key[0] ^= 0x7f;
        assertEquals(before, t.hashIpv4(1, 2), "changing the caller's array changes nothing");
        t.key()[0] ^= 0x7f;
        assertEquals(before, t.hashIpv4(1, 2), "changing the returned array changes nothing");
        assertArrayEquals(RssKey.microsoft(), t.key());
    }

    @Test
    void keyLengthLimits() {
        assertEquals(12, Toeplitz.of(new byte[16]).maxInputBytes());
        assertEquals(36, Toeplitz.microsoft().maxInputBytes());
        IllegalArgumentException shortKey = assertThrows(IllegalArgumentException.class, () -> Toeplitz.of(new byte[15]));
        assertEquals("an RSS key has 16 to 128 bytes (input length + 4; 40 is standard), got 15", shortKey.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Toeplitz.of(new byte[129]));
        assertThrows(NullPointerException.class, () -> Toeplitz.of(null));
    }

    @Test
    void inputLongerThanTheKeyCoversIsRejected() {
        Toeplitz t = Toeplitz.microsoft();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.hash(new byte[37]));
        assertEquals("a 40-byte RSS key hashes at most 36 input bytes (key length >= input length + 4), got 37", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BitwiseToeplitz.hash(RssKey.microsoft(), new byte[37]));
        assertThrows(IndexOutOfBoundsException.class, () -> t.hash(new byte[8], 4, 8));
    }

    @Test
    void ipv6NeedsALongEnoughKey() {
        Toeplitz t = Toeplitz.of(new byte[36]);
        assertEquals(0, t.hashIpv6(0, 0, 0, 0), "36 bytes cover the IPv6 2-tuple");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.hashIpv6Tcp(1, 2, 3, 4, 5, 6));
        assertEquals("the IPv6 4-tuple has 36 bytes; this 36-byte RSS key hashes at most 32 (it needs a key of at least 40 bytes)",
                e.getMessage());
        assertThrows(IllegalStateException.class, () -> Toeplitz.of(new byte[20]).hashIpv6(1, 2, 3, 4));
    }

    @Test
    void hexKeys() {
        byte[] key = RssKey.microsoft();
        assertArrayEquals(key, RssKey.parseHex(RssKey.toHex(key)));
        assertArrayEquals(new byte[] {0x6d, 0x5a, (byte) 0xff}, RssKey.parseHex("0x6D:5a:FF"));
        assertEquals("an RSS key needs an even number of hex digits, got 3 in 'abc'",
                assertThrows(IllegalArgumentException.class, () -> RssKey.parseHex("abc")).getMessage());
        assertEquals("'g' is not a hex digit in RSS key '6g'",
                assertThrows(IllegalArgumentException.class, () -> RssKey.parseHex("6g")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> RssKey.parseHex(""));
        assertThrows(IllegalArgumentException.class, () -> RssKey.symmetric(8));
    }

    private static byte[] randomBytes(SplittableRandom random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }
}
