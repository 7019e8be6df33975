package io.panamax.netty;

import org.junit.jupiter.api.BeforeAll;

/** {@link EchoTests} with the stack on a TAP device, the kernel on the TAP's other side. */
class EchoOverTapTest extends EchoTests {
    @BeforeAll
    static void start() throws Exception {
        startOn(TapStack.start("pmx-netty", 2));
    }
}
