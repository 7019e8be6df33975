/**
 * Panamax's hand-written layer over the jextract bindings of DPDK 22.11
 * ({@code io.panamax.dpdk.bindings}): loading the libraries ({@link io.panamax.dpdk.DpdkLibraries}),
 * {@code rte_errno}, and the fast path that stands in for DPDK's {@code static inline} functions
 * without a C shim: {@link io.panamax.dpdk.EthBurst} (receive/transmit bursts through
 * {@code rte_eth_fp_ops}), {@link io.panamax.dpdk.MempoolOps} (mempool get/put through the ops
 * table) and {@link io.panamax.dpdk.Mbuf} (mbuf fields by offset).
 */
package io.panamax.dpdk;
