package io.panamax.netty.testsuite;

import io.netty.buffer.ByteBufAllocator;
import io.panamax.netty.PanamaxByteBufAllocator;

import java.util.List;

/**
 * The allocators the suite runs each test with. Netty runs every test with three (unpooled,
 * pooled, adaptive); here one, Netty 4.2's default, keeps the module within its test-time
 * budget on a shared machine. Received buffers are the stack's whatever the allocator; it
 * matters only for what the tests write.
 */
final class AllocatorBudget {
    private AllocatorBudget() {
    }

    static List<ByteBufAllocator> allocators() {
        return List.of(ByteBufAllocator.DEFAULT);
    }

    /**
     * Netty's default and the transport's own ({@link PanamaxByteBufAllocator}, the channels'
     * default, whose buffers on a loop are packet buffers written without a copy), for the
     * classes that exercise the write path and buffer release most. The whole suite passes with
     * the transport's allocator alone too (99 of 99, run once by swapping {@link #allocators()}),
     * but takes about twice as long (GatheringWrite 56 s against 33, SslEcho 37 s against 16, same
     * load): every allocator for every class does not fit the test-time budget.
     */
    static List<ByteBufAllocator> withTransportAllocator() {
        return List.of(ByteBufAllocator.DEFAULT, PanamaxByteBufAllocator.DEFAULT);
    }
}
