package io.panamax.tcp.api;

import io.panamax.reactor.Completion;
import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.buffer.Packet;
import io.panamax.tcp.ConnectionResetException;
import io.panamax.tcp.TcpConnection;
import io.panamax.tcp.script.TcpScript;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code StreamConnection.writeLoop} on a connection of the packet-script bench with a 1,000-byte
 * send buffer: the producer is asked for the next packet only once the connection has taken the
 * last one, acknowledgments resume the loop, and a reset fails it with the waiting packet given
 * back; {@code transferTo} as an echo; the copying writes' completion forms. The script's close checks for leaks.
 */
class WriteLoopOverTcpTest {
    private static final int BLOCK = 800;
    /** The script peer's MSS: the stack sends 536-byte segments. */
    private static final int MSS = 536;

    /** {@code count} packets of {@link #BLOCK} bytes, then null; {@code made[0]} counts the packets made. */
    private static Supplier<Packet> blocks(TcpScript s, int count, int[] made) {
        byte[] bytes = new byte[BLOCK];
        return () -> {
            if (made[0] == count) {
                return null;
            }
            made[0]++;
            Packet p = s.reactor.shard(0).packets().allocateWithHeadroom();
            p.appendBytes(bytes, 0, BLOCK);
            return p;
        };
    }

    @Test
    void theLoopWaitsForRoomAndEndsWhenTheProducerIsDone() {
        try (TcpScript s = new TcpScript(TcpScript.baseConfig().sendBufferSize(1000).build())) {
            var e = s.acceptPlain(1000);
            TcpConnection c = e.conn();
            int[] made = {0};
            ShardFuture<Void> loop = s.on(() -> c.writeLoop(blocks(s, 4, made)));
            s.drain();
            assertEquals(3, made[0], "two packets taken while the buffer held less than its size, the third waits");
            s.run(() -> assertFalse(loop.isDone()));
            s.inject(s.seg().seq(e.rcvNxt()).ack(e.sndNxt() + 2 * MSS)); // what went out: two segments of the MSS
            s.drain();
            assertEquals(4, made[0], "the acknowledgment made room: the third was taken and the fourth made");
            s.run(() -> assertFalse(loop.isDone(), "the fourth waits behind the third"));
            s.inject(s.seg().seq(e.rcvNxt()).ack(e.sndNxt() + 3 * MSS));
            s.drain();
            s.run(() -> assertTrue(loop.isSucceeded(), "the producer's null ends the loop once the last packet was taken"));
            assertEquals(4, made[0]);
            s.run(c::close);
            s.drain();
        }
    }

    @Test
    void aResetFailsTheLoopAndGivesTheWaitingPacketBack() {
        try (TcpScript s = new TcpScript(TcpScript.baseConfig().sendBufferSize(1000).build())) {
            var e = s.acceptPlain(1000);
            int[] made = {0};
            ShardFuture<Void> loop = s.on(() -> e.conn().writeLoop(blocks(s, 10, made)));
            s.drain();
            s.inject(s.seg().rst().seq(e.rcvNxt()));
            s.drain();
            s.run(() -> assertInstanceOf(ConnectionResetException.class, loop.cause()));
            assertEquals(3, made[0], "no packet made after the failure");
        }
    }

    /**
     * The copying writes in their completion form (an array, heap and direct ByteBuffers, a memory
     * segment): each is copied at once and completes when the send buffer has taken it, the one
     * that finds the buffer full once an acknowledgment makes room; what is sent is the bytes in
     * the order written.
     */
    @Test
    void copyingWritesCompleteWhenTheSendBufferTookThem() {
        try (TcpScript s = new TcpScript(TcpScript.baseConfig().sendBufferSize(1000).build())) {
            var e = s.acceptPlain(1000);
            TcpConnection c = e.conn();
            List<String> done = new ArrayList<>();
            ByteBuffer direct = ByteBuffer.allocateDirect(2).put("ef".getBytes(StandardCharsets.US_ASCII)).flip();
            byte[] block = new byte[1000];
            s.run(() -> {
                c.setNoDelay(true);
                c.write("ab".getBytes(StandardCharsets.US_ASCII), recording(done, "array"));
                c.write(ByteBuffer.wrap("cd".getBytes(StandardCharsets.US_ASCII)), recording(done, "heap buffer"));
                c.write(direct, recording(done, "direct buffer"));
                c.write(MemorySegment.ofArray("gh".getBytes(StandardCharsets.US_ASCII)), recording(done, "segment"));
                c.write(block, 0, 1000, recording(done, "block"));
                c.write("late".getBytes(StandardCharsets.US_ASCII), 1, 2, recording(done, "late"));
            });
            s.drain();
            assertEquals(List.of("array", "heap buffer", "direct buffer", "segment", "block"), done,
                    "taken at once while the buffer held less than its size; the last waits for room");
            assertEquals(0, direct.remaining(), "the buffer's position moved to its limit");
            s.inject(s.seg().seq(e.rcvNxt()).ack(e.sndNxt() + 8 + MSS)); // sent: the small writes, then the block up to the peer's window
            s.drain();
            assertEquals("late", done.getLast(), "the acknowledgment made room");
            s.run(c::close);
            s.drain();
        }
    }

    private static Completion<Void> recording(List<String> done, String name) {
        return new Completion<>() {
            @Override
            public void complete(Void v) {
                done.add(name);
            }

            @Override
            public void fail(Throwable cause) {
                done.add(name + " failed: " + cause);
            }
        };
    }

    @Test
    void transferToItselfEchoesUntilTheEndOfTheStream() {
        try (TcpScript s = new TcpScript()) {
            ScriptPeer peer = new ScriptPeer(s);
            TcpConnection c = peer.e.conn();
            ShardFuture<Void> echo = s.on(() -> c.transferTo(c));
            peer.send("ping1");
            s.expect().payload("ping1");
            peer.acked = 5;
            peer.send("ping2");
            s.expect().payload("ping2");
            peer.acked = 10;
            s.run(() -> assertFalse(echo.isDone()));
            peer.fin();
            s.drain();
            s.run(() -> assertTrue(echo.isSucceeded(), "the end-of-stream buffer was written (released) and ended the pump"));
            s.run(c::close);
            s.drain();
        }
    }
}
