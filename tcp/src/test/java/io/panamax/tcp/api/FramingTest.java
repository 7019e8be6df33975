package io.panamax.tcp.api;

import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.ReadBuffer;
import io.panamax.reactor.buffer.Packet;
import io.panamax.tcp.FrameBuffer;
import io.panamax.tcp.Framing;
import io.panamax.tcp.FramingException;
import io.panamax.tcp.TcpConnection;
import io.panamax.tcp.script.TcpScript;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Framing} over a real connection of the packet-script bench: frames that span segments,
 * several frames in one segment (views of one buffer, no copy), the limit of delimited reads, and
 * the end of the stream inside and between frames. The script's close checks for leaks.
 */
class FramingTest {

    /** Starts {@code read} on the shard; the future gets the frame's text (the frame is released). */
    private static CompletableFuture<String> text(TcpScript s, Function<Framing, ShardFuture<ReadBuffer>> read, Framing in) {
        CompletableFuture<String> f = s.on(() -> read.apply(in).map(b -> {
            String t = b.toString(ISO_8859_1);
            b.release();
            return t;
        }).toCompletableFuture());
        s.reactor.runUntilIdle();
        return f;
    }

    @Test
    void linesAndExactLengthsSpanSegmentsAndShareTheReceivedBuffers() {
        try (TcpScript s = new TcpScript()) {
            ScriptPeer peer = new ScriptPeer(s);
            Framing in = new Framing(peer.e.conn());
            CompletableFuture<String> first = text(s, f -> f.readLine(100), in);
            peer.send("HEL");
            assertFalse(first.isDone(), "no line ending yet");
            peer.send("LO\r\nsecond\nLEN");
            assertEquals("HELLO\r\n", first.join(), "a line that spans two segments, with its ending");
            assertEquals("second\n", text(s, f -> f.readLine(100), in).join(), "the next line was already buffered");
            CompletableFuture<String> exact = text(s, f -> f.readExactly(7), in);
            assertFalse(exact.isDone(), "3 of 7 bytes buffered");
            peer.send("GTH+rest");
            assertEquals("LENGTH+", exact.join());
            assertEquals(4, s.on(in::buffered));

            // Two frames out of one segment: views of the one received buffer, not copies.
            peer.send("ab\ncd\n");
            s.run(() -> in.readExactly(4).map(rest -> {
                assertEquals("rest", rest.toString(ISO_8859_1));
                rest.release();
                return null;
            }));
            Packet[] lines = new Packet[2];
            s.run(() -> in.readLine(10).then(a -> {
                lines[0] = (Packet) a;
                return in.readLine(10);
            }).map(b -> lines[1] = (Packet) b));
            assertEquals("ab\n", lines[0].toString(ISO_8859_1));
            assertEquals("cd\n", lines[1].toString(ISO_8859_1));
            assertEquals(2, Framing.lineLength(lines[0]));
            assertSame(lines[0].fragmentBuffer(0), lines[1].fragmentBuffer(0), "both lines share the segment's buffer");
            s.run(() -> {
                lines[0].release();
                lines[1].release();
            });

            peer.fin();
            assertEquals("", text(s, f -> f.readLine(10), in).join(), "the end of the stream, between frames: empty");
            assertEquals("", text(s, f -> f.readExactly(3), in).join(), "and again");
            s.run(() -> peer.e.conn().close());
            s.drain();
        }
    }

    @Test
    void aLineLongerThanTheLimitFailsAndTheStreamEndingInAFrameToo() {
        try (TcpScript s = new TcpScript()) {
            ScriptPeer peer = new ScriptPeer(s);
            Framing in = new Framing(peer.e.conn());
            CompletableFuture<String> line = text(s, f -> f.readLine(8), in);
            peer.send("0123");
            assertFalse(line.isDone());
            peer.send("456789\n");
            CompletionException tooLong = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class, line::join);
            FramingException e = assertInstanceOf(FramingException.class, tooLong.getCause());
            assertEquals(8, e.limit());
            assertFalse(e.isTruncated());
            assertTrue(e.getMessage().contains("within 8 bytes"), e.getMessage());
            assertEquals("0123456789\n", text(s, f -> f.readLine(64), in).join(), "the bytes stay buffered: a larger limit reads them");

            peer.send("partial");
            peer.fin();
            CompletionException truncated = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class,
                    () -> text(s, f -> f.readExactly(10), in).join());
            assertTrue(assertInstanceOf(FramingException.class, truncated.getCause()).isTruncated());
            assertEquals(7, s.on(in::release), "what was left is released");
            s.run(() -> peer.e.conn().close());
            s.drain();
        }
    }

    /**
     * A {@link FrameBuffer} inside a read loop: lines and an exact length announced by a line,
     * across segments and several to a segment, with no future per read; a line past its limit
     * sets the failure, and so does the stream ending inside a frame.
     */
    @Test
    void aFrameBufferFramesInsideAReadLoop() {
        try (TcpScript s = new TcpScript()) {
            ScriptPeer peer = new ScriptPeer(s);
            TcpConnection c = peer.e.conn();
            FrameBuffer in = s.on(() -> new FrameBuffer(c.shard()));
            List<String> frames = new ArrayList<>();
            int[] want = {0}; // 0: a line next; n > 0: n bytes next ("LEN n" asks for them)
            ShardFuture<Void> loop = s.on(() -> c.readLoop(data -> {
                assertTrue(in.add(data));
                for (ReadBuffer f; (f = want[0] == 0 ? in.line(16) : in.exactly(want[0])) != null; ) {
                    String t = f.isEmpty() ? "<end>" : f.toString(ISO_8859_1);
                    f.release();
                    frames.add(t);
                    if (t.equals("<end>")) {
                        return ShardFuture.stop();
                    }
                    want[0] = t.startsWith("LEN ") ? Integer.parseInt(t.substring(4).trim()) : 0;
                }
                if (in.failure() != null) {
                    frames.add(in.failure().isTruncated() ? "truncated" : "too long: " + in.failure().limit());
                    return ShardFuture.stop();
                }
                return ShardFuture.next();
            }));
            peer.send("HEL");
            peer.send("LO\nLEN 5\nab");
            peer.send("cde");
            peer.send("x\ny\n");
            s.reactor.runUntilIdle();
            assertEquals(List.of("HELLO\n", "LEN 5\n", "abcde", "x\n", "y\n"), frames);
            peer.send("0123456789abcdefXYZ");
            s.reactor.runUntilIdle();
            assertEquals("too long: 16", frames.getLast(), "no line ending within the limit");
            s.run(() -> assertTrue(loop.isSucceeded()));
            assertEquals(19, s.on(in::release), "the bytes stayed buffered until released");

            FrameBuffer rest = s.on(() -> new FrameBuffer(c.shard().packets()));
            List<String> end = new ArrayList<>();
            s.run(() -> c.readLoop(data -> {
                rest.add(data);
                ReadBuffer f = rest.exactly(10);
                if (f != null) {
                    end.add(f.isEmpty() ? "<end>" : f.toString(ISO_8859_1));
                    f.release();
                }
                if (rest.failure() != null) {
                    end.add(rest.failure().isTruncated() ? "truncated" : "too long");
                }
                return f != null || rest.failure() != null ? ShardFuture.stop() : ShardFuture.next();
            }));
            peer.send("partial");
            peer.fin();
            s.reactor.runUntilIdle();
            assertEquals(List.of("truncated"), end, "the stream ended 3 bytes short of the frame");
            assertEquals(7, s.on(rest::release));
            s.run(() -> c.close());
            s.drain();
        }
    }
}
