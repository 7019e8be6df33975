package io.panamax.tcp.api;

import io.panamax.tcp.script.TcpScript;

/**
 * The peer of a connection accepted on the packet-script bench, sending its segments in order:
 * what the API tests (framing, read loops) feed the connection with.
 */
final class ScriptPeer {
    final TcpScript s;
    final TcpScript.Established e;
    int seq;
    /** Bytes of the stack's this peer acknowledges with its segments (Nagle holds a second small write until then). */
    int acked;

    ScriptPeer(TcpScript s) {
        this.s = s;
        this.e = s.acceptPlain(1000);
        this.seq = e.rcvNxt();
    }

    void send(String text) {
        s.inject(s.seg().seq(seq).ack(e.sndNxt() + acked).payload(text));
        seq += text.length();
    }

    void fin() {
        s.inject(s.seg().fin().seq(seq).ack(e.sndNxt() + acked));
        seq++;
    }
}
