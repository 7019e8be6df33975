/*
 * The DPDK 22.11 headers Panamax binds, in one translation unit for jextract.
 * generate.sh passes this file and the symbol list in includes.txt to jextract.
 */
#include <rte_config.h>
#include <rte_errno.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
