package io.panamax.dpdk;

import io.panamax.dpdk.bindings.dpdk_h;
import io.panamax.dpdk.bindings.rte_eth_fp_ops;
import io.panamax.dpdk.bindings.rte_ethdev_qdata;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code rte_eth_rx_burst} / {@code rte_eth_tx_burst} of one queue, without a C shim.
 *
 * <p>In DPDK 22.11 both are {@code static inline}: they load the driver's burst function and the
 * queue's private data from {@code rte_eth_fp_ops[port]} and call it. This class does the same
 * from Java: it reads {@code rx_pkt_burst} (or {@code tx_pkt_burst}) and
 * {@code rxq.data[queue]} once, and each {@link #call} is one downcall to the driver, signature
 * {@code uint16_t (*)(void *queue, struct rte_mbuf **pkts, uint16_t n)}.
 *
 * <p>What the inline functions do besides: the RX/TX callbacks of
 * {@code RTE_ETHDEV_RXTX_CALLBACKS} (none are installed by Panamax; {@link #hasCallbacks()} checks)
 * and fast-path tracepoints (compiled out in Debian's build). {@code rte_eth_fp_ops[port]} is
 * rewritten when the port starts and stops, so an {@code EthBurst} is made after
 * {@code rte_eth_dev_start} and dropped at stop.
 */
public final class EthBurst {
    private static final FunctionDescriptor BURST_DESCRIPTOR =
            FunctionDescriptor.of(JAVA_SHORT, JAVA_LONG, JAVA_LONG, JAVA_SHORT);
    private static final MethodHandle BURST = Downcalls.unbound(BURST_DESCRIPTOR, Downcalls.CRITICAL);
    private static final MethodHandle BURST_NONCRITICAL = Downcalls.unbound(BURST_DESCRIPTOR, false);

    private static final long RX_BURST = rte_eth_fp_ops.rx_pkt_burst$offset();
    private static final long TX_BURST = rte_eth_fp_ops.tx_pkt_burst$offset();
    private static final long RXQ = rte_eth_fp_ops.rxq$offset();
    private static final long TXQ = rte_eth_fp_ops.txq$offset();
    private static final long QDATA_DATA = rte_ethdev_qdata.data$offset();
    private static final long QDATA_CLBK = rte_ethdev_qdata.clbk$offset();

    private final MemorySegment function;
    private final long queueData;
    private final long callbackSlot;
    private final boolean critical;

    private EthBurst(MemorySegment function, long queueData, long callbackSlot, boolean critical) {
        this.function = function;
        this.queueData = queueData;
        this.callbackSlot = callbackSlot;
        this.critical = critical;
    }

    /** The receive burst of {@code queue} on started port {@code port}. */
    public static EthBurst rx(int port, int queue) {
        return of(port, queue, RX_BURST, RXQ, Downcalls.CRITICAL);
    }

    /** The transmit burst of {@code queue} on started port {@code port}. */
    public static EthBurst tx(int port, int queue) {
        return of(port, queue, TX_BURST, TXQ, Downcalls.CRITICAL);
    }

    /** As {@link #rx}, choosing whether the downcall is critical (for measurements). */
    public static EthBurst rx(int port, int queue, boolean critical) {
        return of(port, queue, RX_BURST, RXQ, critical);
    }

    /** As {@link #tx}, choosing whether the downcall is critical (for measurements). */
    public static EthBurst tx(int port, int queue, boolean critical) {
        return of(port, queue, TX_BURST, TXQ, critical);
    }

    private static EthBurst of(int port, int queue, long functionField, long qdataField, boolean critical) {
        DpdkLibraries.load();
        int maxPorts = dpdk_h.RTE_MAX_ETHPORTS();
        if (port < 0 || port >= maxPorts) {
            throw new IllegalArgumentException("port " + port + " outside 0.." + (maxPorts - 1));
        }
        if (queue < 0 || queue >= dpdk_h.RTE_MAX_QUEUES_PER_PORT()) {
            throw new IllegalArgumentException("queue " + queue + " out of range");
        }
        long ops = dpdk_h.rte_eth_fp_ops().address() + port * rte_eth_fp_ops.sizeof();
        long fn = RawMemory.getLong(ops + functionField);
        long data = RawMemory.getLong(ops + qdataField + QDATA_DATA);
        long clbk = RawMemory.getLong(ops + qdataField + QDATA_CLBK);
        if (fn == 0 || data == 0) {
            throw new IllegalStateException("port " + port + " has no burst function or queue arrays: not started");
        }
        long queueData = RawMemory.getLong(data + (long) queue * Long.BYTES);
        if (queueData == 0) {
            throw new IllegalStateException("queue " + queue + " of port " + port + " is not set up");
        }
        return new EthBurst(MemorySegment.ofAddress(fn), queueData, clbk + (long) queue * Long.BYTES, critical);
    }

    /**
     * Moves up to {@code n} (at most 65535) mbuf pointers between the driver and the native array
     * at {@code mbufs}; returns how many moved.
     */
    public int call(long mbufs, int n) {
        try {
            short got = critical
                    ? (short) BURST.invokeExact(function, queueData, mbufs, (short) n)
                    : (short) BURST_NONCRITICAL.invokeExact(function, queueData, mbufs, (short) n);
            return got & 0xffff;
        } catch (Throwable t) {
            throw new IllegalStateException("burst downcall failed", t);
        }
    }

    /** Whether ethdev RX/TX callbacks are installed on the queue (this path would skip them). */
    public boolean hasCallbacks() {
        return callbackSlot != 0 && RawMemory.getLong(callbackSlot) != 0;
    }

    /** The driver's burst function. */
    public long functionAddress() {
        return function.address();
    }

    /** The queue's private data, the driver's first argument. */
    public long queueData() {
        return queueData;
    }
}
