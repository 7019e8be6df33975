package io.panamax.tcp.api;

import io.panamax.reactor.ShardFuture;
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
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code StreamConnection.readLoop} on a connection of the packet-script bench: an echo that
 * writes back what it reads, the end of the stream ending the loop, a reset and a close failing
 * it, and the one-read-at-a-time rule. The script's close checks for leaks.
 */
class ReadLoopOverTcpTest {

    @Test
    void anEchoLoopAnswersEachRequestAndEndsWithTheStream() {
        try (TcpScript s = new TcpScript()) {
            ScriptPeer peer = new ScriptPeer(s);
            TcpConnection c = peer.e.conn();
            List<String> seen = new ArrayList<>();
            ShardFuture<Void> loop = s.on(() -> c.readLoop(b -> {
                seen.add(b.toString(ISO_8859_1));
                if (b.isEmpty()) {
                    b.release();
                    return ShardFuture.next();
                }
                return c.write(b).map(v -> Loop.CONTINUE);
            }));
            peer.send("ping1");
            s.expect().payload("ping1");
            peer.acked = 5;
            peer.send("ping2");
            s.expect().payload("ping2");
            peer.acked = 10;
            peer.fin();
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
            ScriptPeer peer = new ScriptPeer(s);
            TcpConnection c = peer.e.conn();
            ShardFuture<Void> loop = s.on(() -> c.readLoop(b -> {
                b.release();
                return ShardFuture.stop();
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
            ScriptPeer peer = new ScriptPeer(s);
            ShardFuture<Void> loop = releasingLoop(s, peer.e.conn());
            s.inject(s.seg().rst().seq(peer.seq));
            s.drain();
            s.run(() -> assertInstanceOf(ConnectionResetException.class, loop.cause()));
        }
        try (TcpScript s = new TcpScript()) {
            TcpConnection c = new ScriptPeer(s).e.conn();
            ShardFuture<Void> loop = releasingLoop(s, c);
            s.run(c::close);
            s.drain();
            s.run(() -> assertInstanceOf(ConnectionAbortedException.class, loop.cause()));
        }
    }

    /** A loop that releases what it reads and goes on, started on the shard. */
    private static ShardFuture<Void> releasingLoop(TcpScript s, TcpConnection c) {
        return s.on(() -> c.readLoop(b -> {
            b.release();
            return ShardFuture.next();
        }));
    }
}
