package io.panamax.benchmarks.dpdk;

import io.panamax.benchmarks.PerCallBenchmark;
import io.panamax.nic.dpdk.DpdkNic;
import org.openjdk.jmh.annotations.TearDown;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * The fixture the DPDK micro-benchmarks share: virtual ports opened through {@link DpdkPorts} and
 * closed after the trial, and one off-heap array of {@link #BURST} mbuf addresses for burst calls.
 * A benchmark opens its ports in its own {@code @Setup}; a check that must see the ports before they
 * close (every mbuf back in its pool) goes in {@link #beforeClose}.
 */
public abstract class DpdkBenchmark extends PerCallBenchmark {
    /** Mbufs per burst call, as the fast path's bursts. */
    static final int BURST = 32;

    /** {@link #BURST} mbuf addresses (off-heap longs), the array a burst call fills or drains. */
    final long mbufs = Arena.global().allocate(ValueLayout.JAVA_LONG, BURST).address();
    private final List<DpdkNic> ports = new ArrayList<>();

    /** A started one-queue port of {@code driver}, attached to a plain thread's packet pool ({@link DpdkPorts#open}). */
    final DpdkNic open(String driver) {
        DpdkNic nic = DpdkPorts.open(driver);
        ports.add(nic);
        return nic;
    }

    /** Runs before the ports close; nothing by default. */
    void beforeClose() {
    }

    @TearDown
    public final void closePorts() {
        try {
            beforeClose();
        } finally {
            for (DpdkNic nic : ports) {
                nic.close();
            }
            ports.clear();
        }
    }
}
