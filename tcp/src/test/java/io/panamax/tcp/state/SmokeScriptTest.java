package io.panamax.tcp.state;

import io.panamax.tcp.TcpState;
import io.panamax.tcp.script.TcpScript;
import org.junit.jupiter.api.Test;

import static io.panamax.tcp.wire.TcpHeader.ACK;
import static io.panamax.tcp.wire.TcpHeader.FIN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class SmokeScriptTest {
    @Test
    void echoOnce() {
        try (TcpScript s = new TcpScript()) {
            var e = s.acceptPlain(1000);
            assertEquals(TcpState.ESTABLISHED, s.on(e.conn()::state));
            var r = s.read(e.conn());
            s.inject(s.seg().ack(e.sndNxt()).seq(e.rcvNxt()).payload("hello"));
            assertArrayEquals("hello".getBytes(), r.join());
            s.write(e.conn(), "world");
            s.expect().flags(ACK).seq(e.sndNxt()).ack(e.rcvNxt() + 5).payload("world");
            s.close(e.conn());
            s.expect().flags(FIN | ACK).seq(e.sndNxt() + 5);
        }
    }
}
