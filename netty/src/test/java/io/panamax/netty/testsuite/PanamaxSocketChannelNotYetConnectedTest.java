package io.panamax.netty.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapFactory;
import io.netty.testsuite.transport.socket.SocketChannelNotYetConnectedTest;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.SocketAddress;
import java.util.List;

/** Netty's {@code SocketChannelNotYetConnectedTest} on the Panamax transport over TAP (see {@link PanamaxSocketTestPermutation}). */
@ExtendWith(SharedTap.class)
class PanamaxSocketChannelNotYetConnectedTest extends SocketChannelNotYetConnectedTest {
    @Override
    protected List<BootstrapFactory<Bootstrap>> newFactories() {
        return PanamaxSocketTestPermutation.clientSocket();
    }

    @Override
    protected List<io.netty.buffer.ByteBufAllocator> newAllocators() {
        return AllocatorBudget.allocators();
    }

    /** The test binds a kernel server of its own there. */
    @Override
    protected SocketAddress newSocketAddress() {
        return PanamaxSocketTestPermutation.serverAddress();
    }

    @Override
    @Test
    @Disabled("connects to its own NIO server bound to the wildcard address (reported as the IPv6 ::, meaning this host): the stack is another host than the kernel, and IPv4 only; see netty/README.md")
    public void readMustBePendingUntilChannelIsActive(TestInfo testInfo) {
    }
}
