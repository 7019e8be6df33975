package io.panamax.tcp.api;

import io.panamax.reactor.Future;
import io.panamax.reactor.Loop;
import io.panamax.tcp.ConnectionAbortedException;
import io.panamax.tcp.ConnectionResetException;
import io.panamax.tcp.TcpConnection;
import io.panamax.tcp.script.TcpScript;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code StreamConnection.readLoop} on a connection of the packet-script bench: an echo that
 * writes back what it reads, the end of the stream ending the loop, a reset and a close failing
 * it, and the one-read-at-a-time rule. The script's close checks for leaks.
 */
class ReadLoopOverTcpTest {

    private static final class Peer {
        final TcpScript s;
        final TcpScript.Established e;
        int seq;
        /** Bytes of the stack's this peer has acknowledged (Nagle holds a second small echo until then). */
        int acked;

        Peer(TcpScript s) {
            this.s = s;
            this.e = s.acceptPlain(1000);
            this.seq = e.rcvNxt();
        }

        void send(String text) {
            s.inject(s.seg().seq(seq).ack(e.sndNxt() + acked).payload(text));
            seq += text.length();
        }
    }

    @Test
    void anEchoLoopAnswersEachRequestAndEndsWithTheStream() {
        try (TcpScript s = new TcpScript()) {
            Peer peer = new Peer(s);
            TcpConnection c = peer.e.conn();
            List<String> seen = new ArrayList<>();
            Future<Void> loop = s.on(() -> c.readLoop(b -> {
                seen.add(b.toString(ISO_8859_1));
                if (b.isEmpty()) {
                    b.release();
                    return Future.next();
                }
                return c.write(b).map(v -> Loop.CONTINUE);
            }));
            peer.send("ping1");
            s.expect().payload("ping1");
            peer.acked = 5;
            peer.send("ping2");
            s.expect().payload("ping2");
            s.inject(s.seg().fin().seq(peer.seq).ack(peer.e.sndNxt() + 10));
            s.drain();
            assertEquals(List.of("ping1", "ping2", ""), seen, "the empty end-of-stream buffer reaches the handler");
            s.run(() -> assertTrue(loop.isSucceeded(), "the loop ends after the end of the stream, though the handler said CONTINUE"));
            s.run(c::close);
            s.drain();
        }
    }

    @Test
    void stopEndsTheLoopAndAnotherReadCanFollow() {
        try (TcpScript s = new TcpScript()) {
            Peer peer = new Peer(s);
            TcpConnection c = peer.e.conn();
            Future<Void> loop = s.on(() -> c.readLoop(b -> {
                b.release();
                return Future.stop();
            }));
            s.run(() -> assertThrows(IllegalStateException.class, c::read, "one read at a time, loops included"));
            peer.send("x");
            s.run(() -> assertTrue(loop.isSucceeded()));
            peer.send("y");
            assertEquals("y", new String(s.read(c).join(), ISO_8859_1));
            s.run(c::close);
            s.drain();
        }
    }

    @Test
    void aResetOrACloseFailsTheLoop() {
        try (TcpScript s = new TcpScript()) {
            Peer peer = new Peer(s);
            TcpConnection c = peer.e.conn();
            Future<Void> loop = s.on(() -> c.readLoop(b -> {
                b.release();
                return Future.next();
            }));
            s.inject(s.seg().rst().seq(peer.seq));
            s.drain();
            s.run(() -> assertInstanceOf(ConnectionResetException.class, loop.cause()));
        }
        try (TcpScript s = new TcpScript()) {
            Peer peer = new Peer(s);
            TcpConnection c = peer.e.conn();
            Future<Void> loop = s.on(() -> c.readLoop(b -> {
                b.release();
                return Future.next();
            }));
            s.run(c::close);
            s.drain();
            s.run(() -> {
                assertFalse(loop.isSucceeded());
                assertInstanceOf(ConnectionAbortedException.class, loop.cause());
            });
        }
    }
}
