package io.panamax.tcp.flow;

import io.panamax.tcp.TcpConnectionStats;
import io.panamax.tcp.script.TcpScript;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What held the sender back, and for how long (Linux's tcp_chrono behind TCP_INFO's busy_time,
 * rwnd_limited and sndbuf_limited; here with the congestion window's share as well): the loss
 * benchmark's question of whether a sender was cwnd-, peer-window-, send-buffer- or
 * application-limited, answered by {@code stats()}. Virtual time, so the durations are exact.
 */
class SendLimitTest {
    private static final int MSS = 536;   // no MSS option from the peer (RFC 9293 3.7.1)
    private static final long MS = 1_000_000L;

    @Test
    void thePeersWindowThenTheApplication() {
        try (TcpScript s = new TcpScript()) {
            var e = s.acceptPlain(1000);
            s.inject(s.seg().seq(e.rcvNxt()).ack(e.sndNxt()).window(4 * MSS));
            s.write(e.conn(), new byte[10 * MSS]);
            assertEquals(4, s.drain().size(), "the peer's window holds four");
            s.advance(Duration.ofMillis(50));
            TcpConnectionStats st = s.on(e.conn()::stats);
            assertEquals(50 * MS, st.rwndLimitedNanos());
            assertEquals(0, st.cwndLimitedNanos());
            assertEquals(50 * MS, st.busyNanos());
            // The window opens: the other six go, and then only the application could send more.
            s.inject(s.seg().seq(e.rcvNxt()).ack(e.sndNxt() + 4 * MSS).window(65535));
            assertEquals(6, s.drain().size());
            s.advance(Duration.ofMillis(20));
            st = s.on(e.conn()::stats);
            assertEquals(50 * MS, st.rwndLimitedNanos());
            assertEquals(70 * MS, st.busyNanos(), "application-limited time is busy time too");
            // Everything acknowledged: idle, no longer busy.
            s.inject(s.seg().seq(e.rcvNxt()).ack(e.sndNxt() + 10 * MSS).window(65535));
            s.advance(Duration.ofMillis(30));
            assertEquals(70 * MS, s.on(e.conn()::stats).busyNanos());
        }
    }

    @Test
    void theCongestionWindow() {
        try (TcpScript s = new TcpScript()) {
            var e = s.acceptPlain(1000);
            s.write(e.conn(), new byte[20 * MSS]);
            assertEquals(10, s.drain().size(), "RFC 6928: an initial window of ten segments");
            s.advance(Duration.ofMillis(30));
            TcpConnectionStats st = s.on(e.conn()::stats);
            assertEquals(30 * MS, st.cwndLimitedNanos());
            assertEquals(0, st.rwndLimitedNanos());
            assertEquals(0, st.sendBufferLimitedNanos());
        }
    }

    @Test
    void aSendBufferSmallerThanTheFlight() {
        try (TcpScript s = new TcpScript(TcpScript.baseConfig().sendBufferSize(4 * MSS).build())) {
            var e = s.acceptPlain(1000);
            s.write(e.conn(), new byte[8 * MSS]);    // taken whole: the buffer had room when it came
            s.write(e.conn(), new byte[MSS]);        // waits for room
            assertEquals(8, s.drain().size());
            s.advance(Duration.ofMillis(40));
            TcpConnectionStats st = s.on(e.conn()::stats);
            assertEquals(40 * MS, st.sendBufferLimitedNanos());
            assertEquals(0, st.cwndLimitedNanos());
            assertEquals(40 * MS, st.busyNanos());
        }
    }
}
