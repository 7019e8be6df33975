package io.panamax.dpdk;

import io.panamax.dpdk.bindings.dpdk_h;
import io.panamax.dpdk.bindings.rte_eth_fp_ops;
import io.panamax.dpdk.bindings.rte_mempool;
import io.panamax.dpdk.bindings.rte_mempool_ops;
import io.panamax.reactor.testing.Environment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The layouts the fast path relies on, checked against the C compiler on the DPDK headers: a tiny
 * program prints {@code offsetof}s and the bit positions of the bitfields jextract cannot bind, and
 * the Java side must agree.
 */
class NativeLayoutTest {
    private static final List<String> INCLUDES = List.of("/usr/include/dpdk", "/usr/include/x86_64-linux-gnu/dpdk");

    @TempDir
    Path dir;

    @Test
    void javaOffsetsAndBitfieldsMatchTheCompilers() throws Exception {
        Environment.requireCommands("gcc");
        Environment.require(Files.isRegularFile(Path.of(INCLUDES.get(0), "rte_mbuf_core.h")),
                "needs the DPDK headers (libdpdk-dev) in " + INCLUDES.get(0));
        Path c = dir.resolve("layout.c");
        Files.writeString(c, """
                #include <stdio.h>
                #include <stddef.h>
                #include <rte_mbuf.h>
                #include <rte_ethdev.h>
                #include <rte_mempool.h>
                #define OFF(t, f) printf(#t "." #f " %zu\\n", offsetof(struct t, f))
                int main(void) {
                    OFF(rte_mbuf, buf_addr); OFF(rte_mbuf, data_off); OFF(rte_mbuf, refcnt);
                    OFF(rte_mbuf, nb_segs); OFF(rte_mbuf, port); OFF(rte_mbuf, ol_flags);
                    OFF(rte_mbuf, packet_type); OFF(rte_mbuf, pkt_len); OFF(rte_mbuf, data_len);
                    OFF(rte_mbuf, hash.rss); OFF(rte_mbuf, buf_len); OFF(rte_mbuf, pool); OFF(rte_mbuf, next);
                    OFF(rte_mbuf, tx_offload); OFF(rte_mbuf, priv_size);
                    OFF(rte_eth_fp_ops, rx_pkt_burst); OFF(rte_eth_fp_ops, tx_pkt_burst);
                    OFF(rte_eth_fp_ops, rxq); OFF(rte_eth_fp_ops, txq);
                    OFF(rte_mempool, ops_index); OFF(rte_mempool_ops, dequeue); OFF(rte_mempool_ops, enqueue);
                    OFF(rte_mempool_ops, get_count);
                    printf("sizeof.rte_mbuf %zu\\n", sizeof(struct rte_mbuf));
                    printf("sizeof.rte_eth_fp_ops %zu\\n", sizeof(struct rte_eth_fp_ops));
                    printf("sizeof.rte_mempool_ops %zu\\n", sizeof(struct rte_mempool_ops));
                    struct rte_mbuf m = {0};
                    m.l2_len = 14; m.l3_len = 20;
                    printf("tx_offload.14_20 %llu\\n", (unsigned long long) m.tx_offload);
                    m.l4_len = 32; m.tso_segsz = 1448;
                    printf("tx_offload.14_20_32_1448 %llu\\n", (unsigned long long) m.tx_offload);
                    struct rte_eth_link link = {0};
                    link.link_status = 1;
                    printf("link.status_word %u\\n", *(unsigned short *) ((char *) &link + 4));
                    return 0;
                }
                """);
        Path exe = dir.resolve("layout");
        run(List.of("gcc", "-O0", "-w", "-march=corei7", "-I", INCLUDES.get(0), "-I", INCLUDES.get(1), "-o", exe.toString(), c.toString()));
        Map<String, Long> cSide = new HashMap<>();
        for (String line : run(List.of(exe.toString())).split("\n")) {
            String[] kv = line.strip().split(" ");
            cSide.put(kv[0], Long.parseUnsignedLong(kv[1]));
        }
        assertEquals(cSide.get("rte_mbuf.buf_addr"), Mbuf.BUF_ADDR);
        assertEquals(cSide.get("rte_mbuf.data_off"), Mbuf.DATA_OFF);
        assertEquals(cSide.get("rte_mbuf.refcnt"), Mbuf.REFCNT);
        assertEquals(cSide.get("rte_mbuf.nb_segs"), Mbuf.NB_SEGS);
        assertEquals(cSide.get("rte_mbuf.port"), Mbuf.PORT);
        assertEquals(cSide.get("rte_mbuf.ol_flags"), Mbuf.OL_FLAGS);
        assertEquals(cSide.get("rte_mbuf.packet_type"), Mbuf.PACKET_TYPE);
        assertEquals(cSide.get("rte_mbuf.pkt_len"), Mbuf.PKT_LEN);
        assertEquals(cSide.get("rte_mbuf.data_len"), Mbuf.DATA_LEN);
        assertEquals(cSide.get("rte_mbuf.hash.rss"), Mbuf.HASH_RSS);
        assertEquals(cSide.get("rte_mbuf.buf_len"), Mbuf.BUF_LEN);
        assertEquals(cSide.get("rte_mbuf.pool"), Mbuf.POOL);
        assertEquals(cSide.get("rte_mbuf.next"), Mbuf.NEXT);
        assertEquals(cSide.get("rte_mbuf.tx_offload"), Mbuf.TX_OFFLOAD);
        assertEquals(cSide.get("rte_mbuf.priv_size"), Mbuf.PRIV_SIZE);
        assertEquals(cSide.get("sizeof.rte_mbuf"), (long) Mbuf.SIZE);
        assertEquals(cSide.get("rte_eth_fp_ops.rx_pkt_burst"), rte_eth_fp_ops.rx_pkt_burst$offset());
        assertEquals(cSide.get("rte_eth_fp_ops.tx_pkt_burst"), rte_eth_fp_ops.tx_pkt_burst$offset());
        assertEquals(cSide.get("rte_eth_fp_ops.rxq"), rte_eth_fp_ops.rxq$offset());
        assertEquals(cSide.get("rte_eth_fp_ops.txq"), rte_eth_fp_ops.txq$offset());
        assertEquals(cSide.get("sizeof.rte_eth_fp_ops"), rte_eth_fp_ops.sizeof());
        assertEquals(cSide.get("rte_mempool.ops_index"), rte_mempool.ops_index$offset());
        assertEquals(cSide.get("rte_mempool_ops.dequeue"), rte_mempool_ops.dequeue$offset());
        assertEquals(cSide.get("rte_mempool_ops.enqueue"), rte_mempool_ops.enqueue$offset());
        assertEquals(cSide.get("rte_mempool_ops.get_count"), rte_mempool_ops.get_count$offset());
        assertEquals(cSide.get("sizeof.rte_mempool_ops"), rte_mempool_ops.sizeof());
        long packed = Mbuf.packTxOffload(14, 20);
        assertEquals(cSide.get("tx_offload.14_20"), packed, "l2_len/l3_len bitfields");
        assertEquals(14, Mbuf.l2Len(packed));
        assertEquals(20, Mbuf.l3Len(packed));
        assertEquals(cSide.get("tx_offload.14_20_32_1448"), Mbuf.packTxOffload(14, 20, 32, 1448),
                "l2_len/l3_len/l4_len/tso_segsz bitfields (TCP segmentation)");
        assertEquals(cSide.get("link.status_word"), 1L << 2, "link_status is bit 2 of the word after link_speed");
        assertEquals(128, dpdk_h.RTE_PKTMBUF_HEADROOM());
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "finished: " + command);
        assertEquals(0, p.exitValue(), command + ":\n" + out);
        return out;
    }
}
