package io.panamax.netty.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.testsuite.transport.socket.SocketSslEchoTest;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Netty's {@code SocketSslEchoTest} on the Panamax transport over TAP (see {@link PanamaxSocketTestPermutation}). */
@ExtendWith(SharedTap.class)
class PanamaxSocketSslEchoTest extends SocketSslEchoTest {
    /**
     * Every eighth of Netty's parameter sets (96 on the JDK provider: renegotiation kinds,
     * delegated tasks on either side, auto-read, chunked writes, composite buffers): 12, each
     * over both directions of the permutation, keep the module's test time within its budget.
     * Hides {@code SocketSslEchoTest.data()}, which {@code @MethodSource("data")} then finds here.
     */
    public static Collection<Object[]> data() throws Exception {
        List<Object[]> all = new ArrayList<>(SocketSslEchoTest.data());
        List<Object[]> some = new ArrayList<>();
        for (int i = 0; i < all.size(); i += 8) {
            some.add(all.get(i));
        }
        return some;
    }

    @Override
    protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
        return PanamaxSocketTestPermutation.socket();
    }

    @Override
    protected List<io.netty.buffer.ByteBufAllocator> newAllocators() {
        return AllocatorBudget.allocators();
    }
}
