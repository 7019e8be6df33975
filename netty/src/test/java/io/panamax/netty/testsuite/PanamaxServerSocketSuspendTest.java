package io.panamax.netty.testsuite;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapFactory;
import io.netty.testsuite.transport.socket.ServerSocketSuspendTest;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

/** Netty's {@code ServerSocketSuspendTest} on the Panamax transport over TAP (see {@link PanamaxSocketTestPermutation}). */
@ExtendWith(SharedTap.class)
class PanamaxServerSocketSuspendTest extends ServerSocketSuspendTest {
    @Override
    protected List<BootstrapFactory<ServerBootstrap>> newFactories() {
        return PanamaxSocketTestPermutation.serverSocket();
    }

    @Override
    protected List<io.netty.buffer.ByteBufAllocator> newAllocators() {
        return AllocatorBudget.allocators();
    }
}
