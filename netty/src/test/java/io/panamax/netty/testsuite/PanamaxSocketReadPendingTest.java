package io.panamax.netty.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.testsuite.transport.socket.SocketReadPendingTest;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

/** Netty's {@code SocketReadPendingTest} on the Panamax transport over TAP (see {@link PanamaxSocketTestPermutation}). */
@ExtendWith(SharedTap.class)
class PanamaxSocketReadPendingTest extends SocketReadPendingTest {
    @Override
    protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
        return PanamaxSocketTestPermutation.socket();
    }

    @Override
    protected List<io.netty.buffer.ByteBufAllocator> newAllocators() {
        return AllocatorBudget.allocators();
    }
}
