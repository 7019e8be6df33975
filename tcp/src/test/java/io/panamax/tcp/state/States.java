package io.panamax.tcp.state;

import io.panamax.tcp.TcpConnection;
import io.panamax.tcp.TcpState;
import io.panamax.tcp.script.TcpScript;

import static io.panamax.tcp.wire.TcpHeader.ACK;
import static io.panamax.tcp.wire.TcpHeader.FIN;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Drives a passively opened connection (peer without options) into a given state of RFC 9293's
 * diagram, checking each transition on the way. {@code snd} is the next sequence number the stack
 * sends, {@code rcv} the next one the peer sends.
 */
final class States {
    final TcpScript s;
    final TcpConnection conn;
    int snd;
    int rcv;

    private States(TcpScript s, TcpScript.Established e) {
        this.s = s;
        this.conn = e.conn();
        this.snd = e.sndNxt();
        this.rcv = e.rcvNxt();
    }

    static States open(TcpScript s) {
        return new States(s, s.acceptPlain(1000));
    }

    static States in(TcpScript s, TcpState target) {
        States st = open(s);
        st.driveTo(target);
        return st;
    }

    TcpState state() {
        return s.on(conn::state);
    }

    /** Closes our side: FIN goes out, FIN-WAIT-1 (or LAST-ACK after the peer's FIN). */
    void closeOurSide() {
        s.close(conn);
        s.expect().flags(FIN | ACK).seq(snd).ack(rcv);
        snd++;
    }

    void peerAcksOurFin() {
        s.inject(s.seg().seq(rcv).ack(snd));
    }

    /** The peer's FIN arrives; we acknowledge it at once. */
    void peerFin(int ack) {
        s.inject(s.seg().fin().seq(rcv).ack(ack));
        rcv++;
        s.expect().flags(ACK).ack(rcv);
    }

    void driveTo(TcpState target) {
        switch (target) {
            case ESTABLISHED -> { }
            case FIN_WAIT_1 -> closeOurSide();
            case FIN_WAIT_2 -> {
                closeOurSide();
                peerAcksOurFin();
            }
            case CLOSE_WAIT -> peerFin(snd);
            case CLOSING -> {
                closeOurSide();
                peerFin(snd - 1);
            }
            case LAST_ACK -> {
                peerFin(snd);
                s.read(conn);
                closeOurSide();
            }
            case TIME_WAIT -> {
                closeOurSide();
                peerAcksOurFin();
                peerFin(snd);
            }
            default -> throw new IllegalArgumentException(target.toString());
        }
        s.expectNothing();
        assertEquals(target, state());
    }
}
