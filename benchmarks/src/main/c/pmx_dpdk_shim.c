/*
 * A C shim over DPDK 22.11's static inline fast-path functions, built only for the measurement
 * that compares it with Panamax's direct calls through rte_eth_fp_ops and the mempool ops table
 * (benchmarks/src/main/java/io/panamax/benchmarks/dpdk). ShimLibrary compiles it with gcc at the
 * start of a JMH run; the product never uses it.
 */
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

uint16_t pmx_shim_rx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	return rte_eth_rx_burst(port, queue, pkts, n);
}

uint16_t pmx_shim_tx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	return rte_eth_tx_burst(port, queue, pkts, n);
}

/* rte_pktmbuf_alloc_bulk: mempool get (cache or ops dequeue) and a reset of each mbuf. */
int pmx_shim_alloc_bulk(struct rte_mempool *mp, struct rte_mbuf **pkts, unsigned int n)
{
	return rte_pktmbuf_alloc_bulk(mp, pkts, n);
}

/* One burst of io forwarding, as testpmd's io engine does it: receive, send, free what is left. */
uint16_t pmx_shim_forward(uint16_t rx_port, uint16_t tx_port, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t rx = rte_eth_rx_burst(rx_port, 0, pkts, n);
	if (rx == 0)
		return 0;
	uint16_t tx = rte_eth_tx_burst(tx_port, 0, pkts, rx);
	if (tx < rx)
		rte_pktmbuf_free_bulk(&pkts[tx], rx - tx);
	return rx;
}
