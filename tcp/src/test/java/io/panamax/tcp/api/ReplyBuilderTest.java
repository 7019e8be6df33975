package io.panamax.tcp.api;

import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.ReadBuffer;
import io.panamax.reactor.buffer.Buffer;
import io.panamax.reactor.buffer.Packet;
import io.panamax.tcp.ReplyBuilder;
import io.panamax.tcp.script.TcpScript;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ReplyBuilder} on a connection of the packet-script bench: text, numbers and bytes built
 * in packet buffers and sent as built; a received buffer chained into a reply goes out from the
 * very buffer it arrived in; a reply larger than one buffer; the builder reused. The script's
 * close checks for leaks.
 */
class ReplyBuilderTest {

    @Test
    void aReplyIsBuiltInPacketBuffersAndSentAsBuilt() {
        try (TcpScript s = new TcpScript()) {
            var e = s.acceptPlain(1000);
            ReplyBuilder out = s.on(() -> new ReplyBuilder(e.conn().shard()));
            s.run(() -> {
                assertTrue(out.isEmpty());
                out.ascii("$").decimal(5).crlf().bytes("hello".getBytes(ISO_8859_1)).crlf()
                        .writeByte(':').decimal(-42).crlf().decimal(Long.MIN_VALUE).writeByte(' ').decimal(0);
                out.writeTo(e.conn());
                assertTrue(out.isEmpty(), "the builder starts the next reply");
            });
            s.expect().payload("$5\r\nhello\r\n:-42\r\n-9223372036854775808 0");
            s.run(() -> assertSame(ShardFuture.done(), out.writeTo(e.conn()), "nothing built: nothing written"));
            s.expectNothing();
            s.run(() -> e.conn().close());
            s.drain();
        }
    }

    @Test
    void aReceivedBufferIsChainedWithoutACopyAndLongRepliesSpanBuffers() {
        try (TcpScript s = new TcpScript()) {
            var e = s.acceptPlain(1000);
            List<Buffer> sentFrom = new ArrayList<>();
            s.ip.setInspector(p -> {
                for (int i = 0; i < p.fragmentCount(); i++) {
                    sentFrom.add(p.fragmentBuffer(i));
                }
            });
            Buffer[] arrived = new Buffer[1];
            ReplyBuilder out = s.on(() -> new ReplyBuilder(e.conn().shard()));
            s.run(() -> {
                Packet p = s.seg().seq(e.rcvNxt()).ack(e.sndNxt()).payload("value").build(s.reactor.shard(0).packets());
                arrived[0] = p.fragmentBuffer(0);
                s.tcp.receive(TcpScript.REMOTE_IP, TcpScript.LOCAL_IP, p);
                e.conn().read().map(r -> {
                    out.ascii("got ").append(r).crlf();
                    return out.writeTo(e.conn());
                });
            });
            s.expect().payload("got value\r\n");
            assertTrue(sentFrom.contains(arrived[0]), "the received bytes went out from the buffer they arrived in");

            byte[] big = new byte[5000];
            Arrays.fill(big, (byte) 'x');
            s.run(() -> {
                out.bytes(big).ascii("END");
                assertEquals(5003, out.length());
                ReadBuffer built = out.take();
                assertNull(out.take(), "taken: the builder is empty again");
                assertEquals(5003, built.length());
                ReadBuffer tail = built.slice(4999, 4);
                assertEquals("xEND", tail.toString(ISO_8859_1), "one reply across buffers, in order");
                tail.release();
                built.release();
                out.ascii("dropped");
                out.discard();
                assertTrue(out.isEmpty());

                // Small pieces are staged and go into the packet in bulk: pieces that overflow the
                // staging array, text longer than it, and a large array keep their order.
                StringBuilder want = new StringBuilder();
                byte[] mid = new byte[300];
                Arrays.fill(mid, (byte) 'm');
                for (int i = 0; i < 100; i++) {
                    out.ascii("k").decimal(i).crlf();
                    want.append('k').append(i).append("\r\n");
                }
                out.ascii("t".repeat(1300)).bytes(mid).writeByte('!').bytes(big).decimal(-7);
                want.append("t".repeat(1300)).append("m".repeat(300)).append('!').append("x".repeat(5000)).append(-7);
                assertEquals(want.length(), out.length());
                ReadBuffer staged = out.take();
                assertEquals(want.toString(), staged.toString(ISO_8859_1));
                staged.release();
            });
            s.run(() -> e.conn().close());
            s.drain();
        }
    }
}
