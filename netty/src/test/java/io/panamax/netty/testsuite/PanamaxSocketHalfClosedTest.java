package io.panamax.netty.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelOutputShutdownEvent;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.util.ReferenceCountUtil;
import io.netty.testsuite.transport.socket.SocketHalfClosedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Netty's {@code SocketHalfClosedTest} on the Panamax transport over TAP (see {@link PanamaxSocketTestPermutation}). */
@ExtendWith(SharedTap.class)
class PanamaxSocketHalfClosedTest extends SocketHalfClosedTest {
    @Override
    protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
        return PanamaxSocketTestPermutation.socket();
    }

    @Override
    protected List<io.netty.buffer.ByteBufAllocator> newAllocators() {
        return AllocatorBudget.allocators();
    }

    /**
     * Netty's version blocks the leader's event loop on a latch (in {@code channelActive}) until
     * the follower has read, answered and closed, then writes again and expects that write to fail
     * and, with {@code AUTO_CLOSE} off, the output to be shut down instead of the channel closed.
     * On epoll or NIO the loop is only a thread waiting for readiness: the kernel sends the first
     * write and takes the peer's answer and reset while it is blocked. A Panamax loop is the
     * shard that moves the packets: blocked, its first write never leaves and the follower never
     * answers, and the shard stays blocked for the rest of the run (every later class timed out).
     * A loop must not block (netty/README.md). Here:
     * <ul>
     *   <li>the leader on the kernel side (NIO; it blocks its own loop as Netty's test does) and
     *       the follower on Panamax, with every assertion of Netty's test: the Panamax follower
     *       reads the leader's 100 bytes, answers 100 and aborts (SO_LINGER 0) after its answer
     *       has gone, so the leader reads all of it, its second write fails and the output is shut
     *       down (ChannelOutputShutdownEvent);
     *   <li>the leader on Panamax, waiting for the follower's close without blocking the shard:
     *       it reads the follower's 100 bytes before the reset that follows them closes it, and
     *       its second write fails.
     * </ul>
     * Both with and without {@code ALLOW_HALF_CLOSURE}, in both permutations (Panamax server,
     * Panamax client).
     */
    @Override
    @Test
    public void testAutoCloseFalseDoesShutdownOutput(TestInfo testInfo) throws Throwable {
        run(testInfo, (sb, cb) -> {
            boolean serverOnKernel = sb.config().group() == PanamaxSocketTestPermutation.NIO_GROUP;
            for (boolean allowHalfClosed : new boolean[] {false, true}) {
                autoCloseFalse(allowHalfClosed, !serverOnKernel, true, sb, cb);
                autoCloseFalse(allowHalfClosed, serverOnKernel, false, sb, cb);
            }
        });
    }

    private static void autoCloseFalse(boolean allowHalfClosed, boolean clientIsLeader, boolean leaderOnKernel,
                                       ServerBootstrap sb, Bootstrap cb) throws Throwable {
        String which = "allowHalfClosed=" + allowHalfClosed + " leader=" + (leaderOnKernel ? "kernel" : "panamax");
        CompletableFuture<Void> followerClosed = new CompletableFuture<>();
        Leader leader = new Leader(followerClosed, leaderOnKernel);
        Follower follower = new Follower(followerClosed);
        cb.option(ChannelOption.ALLOW_HALF_CLOSURE, allowHalfClosed).option(ChannelOption.AUTO_CLOSE, false)
                .option(ChannelOption.SO_LINGER, 0);
        sb.childOption(ChannelOption.ALLOW_HALF_CLOSURE, allowHalfClosed).childOption(ChannelOption.AUTO_CLOSE, false)
                .childOption(ChannelOption.SO_LINGER, 0);
        sb.childHandler(clientIsLeader ? follower : leader);
        cb.handler(clientIsLeader ? leader : follower);
        Channel server = sb.bind().sync().channel();
        Channel client = null;
        try {
            client = cb.connect(server.localAddress()).sync().channel();
            assertTrue(leader.done.await(15, TimeUnit.SECONDS), which + ": leader not done; " + leader);
            assertNull(follower.failure, which + ": " + follower.failure);
            assertTrue(leader.bytesRead >= EXPECTED && !leader.closedEarly, which + ": leader closed before the answer; " + leader);
            assertTrue(leader.secondWriteFailed, which + ": the write after the peer's reset succeeded");
            if (leaderOnKernel) {
                assertTrue(leader.seenOutputShutdown, which + ": no ChannelOutputShutdownEvent; " + leader);
            }
        } finally {
            if (client != null) {
                client.close().sync();
            }
            server.close().sync();
        }
    }

    private static final int EXPECTED = 100;

    /** Writes 100 bytes, waits for the follower's close, writes again; done once it has the answer (or closed without it) and that write is done. */
    /** Counts what it reads (and releases it); {@link #answered} once {@link #EXPECTED} bytes are in. */
    private abstract static class Counting extends ChannelInboundHandlerAdapter {
        volatile int bytesRead;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            int before = bytesRead;
            bytesRead += ((ByteBuf) msg).readableBytes();
            ReferenceCountUtil.release(msg);
            if (before < EXPECTED && bytesRead >= EXPECTED) {
                answered(ctx);
            }
        }

        abstract void answered(ChannelHandlerContext ctx);
    }

    private static final class Leader extends Counting {
        final CountDownLatch done = new CountDownLatch(2); // the answer read (or inactive without it), second write complete
        private final CompletableFuture<Void> followerClosed;
        private final boolean blockTheLoop;
        volatile boolean closedEarly;
        volatile Throwable caught;
        volatile boolean seenOutputShutdown;
        volatile boolean secondWriteFailed;

        Leader(CompletableFuture<Void> followerClosed, boolean blockTheLoop) {
            this.followerClosed = followerClosed;
            this.blockTheLoop = blockTheLoop;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ByteBuf buf = ctx.alloc().buffer(EXPECTED).writeZero(EXPECTED);
            ctx.writeAndFlush(buf.retainedDuplicate());
            if (blockTheLoop) {
                followerClosed.join(); // NIO's loop: the kernel moves the bytes meanwhile
                writeAgain(ctx, buf);
            } else {
                followerClosed.thenRun(() -> ctx.executor().execute(() -> writeAgain(ctx, buf)));
            }
        }

        private void writeAgain(ChannelHandlerContext ctx, ByteBuf buf) {
            ctx.writeAndFlush(buf).addListener(f -> {
                secondWriteFailed = f.cause() != null;
                done.countDown();
            });
        }

        @Override
        void answered(ChannelHandlerContext ctx) {
            done.countDown();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelOutputShutdownEvent) {
                seenOutputShutdown = true;
            }
            ReferenceCountUtil.release(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            caught = cause;
            ctx.close(); // the peer's reset, once its data has been read
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (bytesRead < EXPECTED) {
                closedEarly = true;
                done.countDown();
            }
        }

        @Override
        public String toString() {
            return "read " + bytesRead + (closedEarly ? " then closed" : "") + ", output shutdown seen "
                    + seenOutputShutdown + ", second write done " + (done.getCount() < 2) + ", exception " + caught;
        }
    }

    /** Reads 100 bytes, answers 100, then closes with SO_LINGER 0 (a reset after its answer). */
    private static final class Follower extends Counting {
        private final CompletableFuture<Void> followerClosed;
        volatile Throwable failure;

        Follower(CompletableFuture<Void> followerClosed) {
            this.followerClosed = followerClosed;
        }

        @Override
        void answered(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(ctx.alloc().buffer(EXPECTED).writeZero(EXPECTED))
                    .addListener(written -> ctx.channel().close().addListener(closed ->
                            // as Netty's test: let the reset reach the leader before it writes again
                            ctx.channel().eventLoop().schedule(() -> followerClosed.complete(null),
                                    200, TimeUnit.MILLISECONDS)));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
            prematureClose();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            prematureClose();
        }

        private void prematureClose() {
            if (bytesRead < EXPECTED) {
                failure = new IllegalStateException("follower closed after " + bytesRead + " bytes");
                followerClosed.complete(null); // frees a leader that waits for it
            }
        }
    }
}
