package io.panamax.tls.x509;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.time.Instant;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** DER encodings checked against X.690 and the well-known encodings of RFC 5280's OIDs. */
class DerTest {
    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    @Test
    void lengthsUseTheShortFormBelow128AndTheMinimalLongFormAbove() {
        assertEquals("00", hex(Der.length(0)));
        assertEquals("7f", hex(Der.length(127)));
        assertEquals("8180", hex(Der.length(128)));
        assertEquals("81ff", hex(Der.length(255)));
        assertEquals("820100", hex(Der.length(256)));
        assertEquals("83010000", hex(Der.length(65536)));
        assertThrows(IllegalArgumentException.class, () -> Der.length(-1));
        assertEquals(1 + 3 + 300, Der.octetString(new byte[300]).length);
    }

    @Test
    void integersAreMinimalTwosComplement() {
        assertEquals("020100", hex(Der.integer(0)));
        assertEquals("02017f", hex(Der.integer(127)));
        assertEquals("02020080", hex(Der.integer(128)), "a leading zero keeps it positive");
        assertEquals("0201ff", hex(Der.integer(-1)));
        assertEquals("02020100", hex(Der.integer(256)));
        assertEquals("0209008000000000000000", hex(Der.integer(BigInteger.ONE.shiftLeft(63))));
    }

    @Test
    void objectIdentifiers() {
        assertEquals("06092a864886f70d01010b", hex(Der.oid("1.2.840.113549.1.1.11")), "sha256WithRSAEncryption");
        assertEquals("06082a8648ce3d040302", hex(Der.oid("1.2.840.10045.4.3.2")), "ecdsa-with-SHA256");
        assertEquals("0603551d11", hex(Der.oid("2.5.29.17")), "subjectAltName");
        assertEquals("0603550403", hex(Der.oid("2.5.4.3")), "commonName");
        assertEquals("06032b6570", hex(Der.oid("1.3.101.112")), "Ed25519");
        assertEquals("06082b06010505070301", hex(Der.oid("1.3.6.1.5.5.7.3.1")), "serverAuth");
        assertThrows(IllegalArgumentException.class, () -> Der.oid("3.1"));
        assertThrows(IllegalArgumentException.class, () -> Der.oid("1"));
    }

    @Test
    void booleansNullsAndBitStrings() {
        assertEquals("0101ff", hex(Der.bool(true)));
        assertEquals("010100", hex(Der.bool(false)));
        assertEquals("0500", hex(Der.nul()));
        assertEquals("0303000102", hex(Der.bitString(new byte[] {1, 2})));
        assertEquals("03020780", hex(Der.namedBits(0)), "digitalSignature: 7 unused bits");
        assertEquals("030205a0", hex(Der.namedBits(0, 2)), "digitalSignature, keyEncipherment");
        assertEquals("0303078080", hex(Der.namedBits(0, 8)));
        assertEquals("030100", hex(Der.namedBits()));
    }

    @Test
    void stringsAndTimes() {
        assertEquals("0c03616263", hex(Der.utf8("abc")));
        assertEquals("1603616263", hex(Der.ia5("abc")));
        assertThrows(IllegalArgumentException.class, () -> Der.ia5("é"));
        assertEquals("170d" + hex("260102030405Z".getBytes()), hex(Der.time(Instant.parse("2026-01-02T03:04:05.999Z"))),
                "UTCTime through 2049, whole seconds");
        assertEquals("180f" + hex("20500101000000Z".getBytes()), hex(Der.time(Instant.parse("2050-01-01T00:00:00Z"))),
                "GeneralizedTime from 2050 (RFC 5280 §4.1.2.5)");
    }

    @Test
    void constructedValues() {
        assertEquals("3000", hex(Der.sequence()));
        assertEquals("3006020101020102", hex(Der.sequence(Der.integer(1), Der.integer(2))));
        assertEquals("3106020101020102", hex(Der.setOf(Der.integer(2), Der.integer(1))), "SET OF is sorted (X.690 §11.6)");
        assertEquals("a003020102", hex(Der.explicit(0, Der.integer(2))));
        assertEquals("820161", hex(Der.implicitPrimitive(2, new byte[] {'a'})));
    }
}
