package io.panamax.netty;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/**
 * {@link EchoTests} run with the stack on DPDK's {@code net_af_xdp} at one end of a
 * veth pair instead of a TAP device (the NIC the Netty benchmark's af_xdp run uses): Netty's echo
 * answering kernel sockets (SHA-256, children on both shards by software RSS from the one queue),
 * the zero-copy writes, a Netty client on the stack against a kernel server, the idle shard
 * sleeping on its queue's AF_XDP socket despite a task scheduled far ahead, and the leak check.
 */
@Tag("dpdk")
class EchoOverAfXdpTest extends EchoTests {
    @BeforeAll
    static void start() throws Exception {
        startOn(TapStack.startAfXdp("pmx-nxdp", 2));
    }
}
