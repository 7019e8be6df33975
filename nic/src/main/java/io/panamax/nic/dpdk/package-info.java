/**
 * The DPDK backend: {@link io.panamax.nic.dpdk.DpdkNic} is an ethdev port as a
 * {@link io.panamax.nic.Nic}, one queue pair per shard, each with its own mbuf pool that doubles as
 * the shard's packet buffer pool ({@link io.panamax.nic.dpdk.MbufBufferPool}), so frames cross
 * between the driver and the stack without copies. {@link io.panamax.nic.dpdk.Eal} runs DPDK's
 * environment once per process. Needs DPDK 22.11 at run time (see native-bindings); nothing here is
 * loaded unless it is used.
 */
package io.panamax.nic.dpdk;
