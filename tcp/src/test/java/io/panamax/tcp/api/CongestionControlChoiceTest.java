package io.panamax.tcp.api;

import io.panamax.tcp.TcpConfig;
import io.panamax.tcp.TcpConnection;
import io.panamax.tcp.congestion.CongestionControls;
import io.panamax.tcp.script.TcpScript;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The congestion control is chosen by name: per stack in TcpConfig, per connection before data flows. */
class CongestionControlChoiceTest {
    /** Calls setCongestionControl on the shard; returns what it threw, or null. */
    private static RuntimeException choose(TcpScript s, TcpConnection c, String name) {
        return s.on(() -> {
            try {
                c.setCongestionControl(name);
                return null;
            } catch (RuntimeException x) {
                return x;
            }
        });
    }

    @Test
    void theConfigNamesTheDefault() {
        assertEquals("cubic", TcpConfig.defaults().congestionControl(), "CUBIC by default, as Linux");
        assertThrows(IllegalArgumentException.class, () -> TcpConfig.builder().congestionControl("vegas").build());
        assertThrows(IllegalArgumentException.class, () -> CongestionControls.create("vegas"));
        try (TcpScript s = new TcpScript()) {
            var e = s.acceptPlain(1000);
            assertEquals("cubic", s.on(e.conn()::congestionControl));
            assertEquals("cubic", s.on(e.conn()::stats).congestionControl());
            assertEquals("newreno", s.on(e.conn()::stats).lossRecovery(), "no SACK: NewReno's recovery");
        }
    }

    @Test
    void aConnectionChoosesBeforeItSendsData() {
        try (TcpScript s = new TcpScript()) {
            var e = s.acceptPlain(1000);
            assertNull(choose(s, e.conn(), CongestionControls.NEWRENO));
            assertEquals(10 * 536, s.on(e.conn()::stats).cwnd(), "a fresh initial window (RFC 6928)");
            assertInstanceOf(IllegalArgumentException.class, choose(s, e.conn(), "vegas"));
            s.write(e.conn(), "data");
            s.expect().payload("data");
            assertInstanceOf(IllegalStateException.class, choose(s, e.conn(), CongestionControls.NEWRENO));
        }
    }
}
