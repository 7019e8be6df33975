package io.panamax.samples.iperf;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** iperf3's control-connection formats, byte for byte. */
class Iperf3MessagesTest {
    /** What Debian's iperf3 3.12 client sends for {@code iperf3 -c ... -t 2 -P 4}. */
    static final String PARAMETERS = "{\"tcp\":true,\"omit\":0,\"time\":2,\"num\":0,\"blockcount\":0,\"parallel\":4,"
            + "\"len\":131072,\"pacing_timer\":1000,\"client_version\":\"3.12\"}";

    @Test
    void aJsonMessageIsItsLengthBigEndianThenTheText() {
        byte[] m = Iperf3Messages.json("{\"a\":1}");
        assertArrayEquals(new byte[] {0, 0, 0, 7}, java.util.Arrays.copyOf(m, 4));
        assertEquals("{\"a\":1}", new String(m, 4, 7, StandardCharsets.UTF_8));
        assertEquals(7, Iperf3Messages.jsonLength(new byte[] {0, 0, 0, 7}));
        assertEquals(-1, Iperf3Messages.jsonLength(new byte[] {0, 0, 0, 1}), "shorter than {}");
        assertEquals(-1, Iperf3Messages.jsonLength(new byte[] {0, 4, 0, 1}), "over the limit");
        assertEquals(-1, Iperf3Messages.jsonLength(new byte[] {(byte) 0xff, 0, 0, 0}), "not a negative int either");
    }

    @Test
    void serverErrorCarriesIperf3sErrorNumberAndErrno() {
        assertArrayEquals(new byte[] {-2, 0, 0, 0, 13, 0, 0, 0, 0}, Iperf3Messages.serverError(Iperf3Messages.IE_UNIMPLEMENTED, 0));
    }

    @Test
    void aCookieIsThirtySixPrintableCharactersAndANul() {
        byte[] good = new byte[37];
        for (int i = 0; i < 36; i++) {
            good[i] = (byte) ('a' + i % 26);
        }
        assertEquals(36, Iperf3Messages.cookie(good).length());
        byte[] bad = good.clone();
        bad[5] = ' ';
        assertNull(Iperf3Messages.cookie(bad));
        assertNull(Iperf3Messages.cookie(new byte[36]));
    }

    @Test
    void streamIdsSkipTwoAsIperf3Does() {
        assertEquals(List.of(1, 3, 4, 5), List.of(Iperf3Messages.streamId(0), Iperf3Messages.streamId(1),
                Iperf3Messages.streamId(2), Iperf3Messages.streamId(3)));
    }

    @Test
    void parameters() {
        Iperf3Parameters p = Iperf3Parameters.parse(PARAMETERS);
        assertEquals(4, p.streams());
        assertEquals(0, p.window(), "no -w");
        assertEquals(131072, Iperf3Parameters.parse(PARAMETERS.replace("}", ",\"window\":131072}")).window());
        assertTrue(p.supported());
        // -R (the server sends) is served since the offloads work; --bidir and UDP are not.
        assertTrue(Iperf3Parameters.parse(PARAMETERS.replace("}", ",\"reverse\":true}")).supported());
        assertFalse(Iperf3Parameters.parse(PARAMETERS.replace("}", ",\"bidirectional\":true}")).supported());
        assertFalse(Iperf3Parameters.parse(PARAMETERS.replace("\"tcp\":true", "\"udp\":true")).supported());
        assertFalse(Iperf3Parameters.parse(PARAMETERS.replace("\"parallel\":4", "\"parallel\":129")).supported());
        assertNull(Iperf3Parameters.parse("not json"));
    }

    @Test
    void resultsHaveEveryFieldTheClientRequires() {
        String r = Iperf3Messages.results(List.of(new Iperf3Messages.StreamResult(1, 1000), new Iperf3Messages.StreamResult(3, 5)),
                2.5, "newreno");
        for (String field : List.of("cpu_util_total", "cpu_util_user", "cpu_util_system", "sender_has_retransmits", "streams",
                "\"id\":1", "\"bytes\":1000", "\"id\":3", "\"bytes\":5", "retransmits", "jitter", "errors", "packets",
                "\"end_time\":2.500000")) {
            assertTrue(r.contains(field), field + " in " + r);
        }
    }
}
