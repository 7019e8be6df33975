package io.panamax.netty.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.testsuite.transport.socket.SocketAddressesTest;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.SocketAddress;
import java.util.List;

/** Netty's {@code SocketAddressesTest} on the Panamax transport over TAP (see {@link PanamaxSocketTestPermutation}). */
@ExtendWith(SharedTap.class)
class PanamaxSocketAddressesTest extends SocketAddressesTest {
    @Override
    protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
        return PanamaxSocketTestPermutation.socket();
    }

    /** Addresses of this transport are IPv4 socket addresses with a port. */
    @Override
    protected void assertAddress(SocketAddress address) {
        org.junit.jupiter.api.Assertions.assertTrue(((java.net.InetSocketAddress) address).getPort() > 0, String.valueOf(address));
    }

    @Override
    protected List<io.netty.buffer.ByteBufAllocator> newAllocators() {
        return AllocatorBudget.allocators();
    }

    /** The next address asked for is the client's local one (the first went to the server bootstrap). */
    private boolean clientNext;

    @Override
    protected void configure(io.netty.bootstrap.ServerBootstrap sb, io.netty.bootstrap.Bootstrap cb,
                             io.netty.buffer.ByteBufAllocator allocator) {
        clientNext = false;
        super.configure(sb, cb, allocator);
        clientNext = true;
    }

    /** The server's address for the server, the client side's own address for the client's local bind. */
    @Override
    protected SocketAddress newSocketAddress() {
        return clientNext ? PanamaxSocketTestPermutation.clientAddress() : PanamaxSocketTestPermutation.serverAddress();
    }
}
