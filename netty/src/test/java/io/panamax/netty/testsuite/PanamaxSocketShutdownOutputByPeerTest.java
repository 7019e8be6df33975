package io.panamax.netty.testsuite;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapFactory;
import io.netty.testsuite.transport.socket.SocketShutdownOutputByPeerTest;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

/** Netty's {@code SocketShutdownOutputByPeerTest} on the Panamax transport over TAP (see {@link PanamaxSocketTestPermutation}). */
@ExtendWith(SharedTap.class)
class PanamaxSocketShutdownOutputByPeerTest extends SocketShutdownOutputByPeerTest {
    @Override
    protected List<BootstrapFactory<ServerBootstrap>> newFactories() {
        return PanamaxSocketTestPermutation.serverSocket();
    }

    @Override
    protected List<io.netty.buffer.ByteBufAllocator> newAllocators() {
        return AllocatorBudget.allocators();
    }
}
