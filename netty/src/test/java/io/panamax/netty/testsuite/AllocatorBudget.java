package io.panamax.netty.testsuite;

import io.netty.buffer.ByteBufAllocator;

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
}
