package io.panamax.dpdk;

import io.panamax.dpdk.bindings.dpdk_h;
import io.panamax.dpdk.bindings.rte_mbuf;

/**
 * The fields of a DPDK {@code struct rte_mbuf} (DPDK 22.11, 64-bit, IOVA as PA build), read and
 * written at the mbuf's address. Offsets come from the jextract layout; the TX offload lengths are
 * bitfields, which jextract does not bind, so they are packed here by hand from
 * {@code RTE_MBUF_L2_LEN_BITS} and {@code RTE_MBUF_L3_LEN_BITS}.
 *
 * <p>Plain loads and stores: a caller writes only fields of mbufs it owns exclusively. The
 * reference count is atomic in DPDK ({@code RTE_MBUF_REFCNT_ATOMIC}); it is stored here only while
 * no one else can hold the mbuf (before it is handed to a driver).
 *
 * <p>Touching this class loads no library: the layouts are plain Java.
 */
public final class Mbuf {
    /** {@code sizeof(struct rte_mbuf)}: the application's private area starts here. */
    public static final int SIZE = (int) rte_mbuf.sizeof();
    public static final long BUF_ADDR = rte_mbuf.buf_addr$offset();
    public static final long DATA_OFF = rte_mbuf.data_off$offset();
    public static final long REFCNT = rte_mbuf.refcnt$offset();
    public static final long NB_SEGS = rte_mbuf.nb_segs$offset();
    public static final long PORT = rte_mbuf.port$offset();
    public static final long OL_FLAGS = rte_mbuf.ol_flags$offset();
    public static final long PACKET_TYPE = rte_mbuf.packet_type$offset();
    public static final long PKT_LEN = rte_mbuf.pkt_len$offset();
    public static final long DATA_LEN = rte_mbuf.data_len$offset();
    public static final long VLAN_TCI = rte_mbuf.vlan_tci$offset();
    /** {@code hash.rss}: the union {@code hash} at its offset, {@code rss} its first member. */
    public static final long HASH_RSS = rte_mbuf.hash$offset() + rte_mbuf.hash.rss$offset();
    public static final long BUF_LEN = rte_mbuf.buf_len$offset();
    public static final long POOL = rte_mbuf.pool$offset();
    public static final long NEXT = rte_mbuf.next$offset();
    public static final long TX_OFFLOAD = rte_mbuf.tx_offload$offset();
    public static final long PRIV_SIZE = rte_mbuf.priv_size$offset();

    /** Width of {@code l2_len}, the lowest bits of {@code tx_offload}. */
    public static final int L2_LEN_BITS = dpdk_h.RTE_MBUF_L2_LEN_BITS();
    /** Width of {@code l3_len}, right above {@code l2_len}. */
    public static final int L3_LEN_BITS = dpdk_h.RTE_MBUF_L3_LEN_BITS();
    /** Width of {@code l4_len}, after {@code l3_len}. */
    public static final int L4_LEN_BITS = dpdk_h.RTE_MBUF_L4_LEN_BITS();
    /** Width of {@code tso_segsz}, after {@code l4_len}. */
    public static final int TSO_SEGSZ_BITS = dpdk_h.RTE_MBUF_TSO_SEGSZ_BITS();
    /** {@code RTE_PKTMBUF_HEADROOM}. */
    public static final int HEADROOM = dpdk_h.RTE_PKTMBUF_HEADROOM();

    private Mbuf() {
    }

    public static long bufAddr(long m) {
        return RawMemory.getLong(m + BUF_ADDR);
    }

    public static int bufLen(long m) {
        return RawMemory.getU16(m + BUF_LEN);
    }

    public static int dataOff(long m) {
        return RawMemory.getU16(m + DATA_OFF);
    }

    public static void setDataOff(long m, int v) {
        RawMemory.setU16(m + DATA_OFF, v);
    }

    public static int refcnt(long m) {
        return RawMemory.getU16(m + REFCNT);
    }

    public static void setRefcnt(long m, int v) {
        RawMemory.setU16(m + REFCNT, v);
    }

    public static int nbSegs(long m) {
        return RawMemory.getU16(m + NB_SEGS);
    }

    public static void setNbSegs(long m, int v) {
        RawMemory.setU16(m + NB_SEGS, v);
    }

    public static int port(long m) {
        return RawMemory.getU16(m + PORT);
    }

    public static void setPort(long m, int v) {
        RawMemory.setU16(m + PORT, v);
    }

    public static long olFlags(long m) {
        return RawMemory.getLong(m + OL_FLAGS);
    }

    public static void setOlFlags(long m, long v) {
        RawMemory.setLong(m + OL_FLAGS, v);
    }

    public static void setPacketType(long m, int v) {
        RawMemory.setInt(m + PACKET_TYPE, v);
    }

    public static int pktLen(long m) {
        return RawMemory.getInt(m + PKT_LEN);
    }

    public static void setPktLen(long m, int v) {
        RawMemory.setInt(m + PKT_LEN, v);
    }

    public static int dataLen(long m) {
        return RawMemory.getU16(m + DATA_LEN);
    }

    public static void setDataLen(long m, int v) {
        RawMemory.setU16(m + DATA_LEN, v);
    }

    public static int rssHash(long m) {
        return RawMemory.getInt(m + HASH_RSS);
    }

    public static long pool(long m) {
        return RawMemory.getLong(m + POOL);
    }

    public static long next(long m) {
        return RawMemory.getLong(m + NEXT);
    }

    public static void setNext(long m, long next) {
        RawMemory.setLong(m + NEXT, next);
    }

    public static long txOffload(long m) {
        return RawMemory.getLong(m + TX_OFFLOAD);
    }

    public static void setTxOffload(long m, long v) {
        RawMemory.setLong(m + TX_OFFLOAD, v);
    }

    public static int privSize(long m) {
        return RawMemory.getU16(m + PRIV_SIZE);
    }

    /** {@code tx_offload} with {@code l2_len} and {@code l3_len} set, the other lengths 0. */
    public static long packTxOffload(int l2Len, int l3Len) {
        return (l2Len & ((1L << L2_LEN_BITS) - 1)) | (l3Len & ((1L << L3_LEN_BITS) - 1)) << L2_LEN_BITS;
    }

    /**
     * {@code tx_offload} for TCP segmentation ({@code RTE_MBUF_F_TX_TCP_SEG}): {@code l2_len},
     * {@code l3_len}, {@code l4_len} (the TCP header with its options) and {@code tso_segsz} (the
     * payload bytes per segment, the MSS), the outer lengths 0.
     */
    public static long packTxOffload(int l2Len, int l3Len, int l4Len, int tsoSegsz) {
        int l4At = L2_LEN_BITS + L3_LEN_BITS;
        return packTxOffload(l2Len, l3Len) | (l4Len & ((1L << L4_LEN_BITS) - 1)) << l4At
                | (tsoSegsz & ((1L << TSO_SEGSZ_BITS) - 1)) << (l4At + L4_LEN_BITS);
    }

    /** {@code l2_len} of a packed {@code tx_offload}. */
    public static int l2Len(long txOffload) {
        return (int) (txOffload & ((1L << L2_LEN_BITS) - 1));
    }

    /** {@code l3_len} of a packed {@code tx_offload}. */
    public static int l3Len(long txOffload) {
        return (int) (txOffload >>> L2_LEN_BITS & ((1L << L3_LEN_BITS) - 1));
    }

    /** Where an mbuf's private area (the {@code priv_size} bytes after the struct) starts. */
    public static long privateArea(long m) {
        return m + SIZE;
    }
}
