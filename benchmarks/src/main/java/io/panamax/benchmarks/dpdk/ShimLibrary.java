package io.panamax.benchmarks.dpdk;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The C shim of {@code benchmarks/src/main/c/pmx_dpdk_shim.c}, compiled with gcc when a benchmark
 * starts and called through critical downcalls, like the Java fast path it is measured against.
 * The source is found from {@code -Dpanamax.shim.source}, else under the working directory or its
 * parents (JMH runs from the repository root).
 */
final class ShimLibrary {
    static final String SOURCE = "benchmarks/src/main/c/pmx_dpdk_shim.c";

    /** {@code uint16_t (uint16_t, uint16_t, struct rte_mbuf **, uint16_t)}. */
    static final MethodHandle RX_BURST;
    static final MethodHandle TX_BURST;
    /** {@code int (struct rte_mempool *, struct rte_mbuf **, unsigned)}. */
    static final MethodHandle ALLOC_BULK;
    /** {@code uint16_t (uint16_t rx_port, uint16_t tx_port, struct rte_mbuf **, uint16_t)}. */
    static final MethodHandle FORWARD;

    static {
        try {
            SymbolLookup shim = SymbolLookup.libraryLookup(build(), Arena.global());
            Linker linker = Linker.nativeLinker();
            Linker.Option critical = Linker.Option.critical(false);
            FunctionDescriptor burst = FunctionDescriptor.of(JAVA_SHORT, JAVA_SHORT, JAVA_SHORT, JAVA_LONG, JAVA_SHORT);
            RX_BURST = linker.downcallHandle(shim.findOrThrow("pmx_shim_rx_burst"), burst, critical);
            TX_BURST = linker.downcallHandle(shim.findOrThrow("pmx_shim_tx_burst"), burst, critical);
            ALLOC_BULK = linker.downcallHandle(shim.findOrThrow("pmx_shim_alloc_bulk"),
                    FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT), critical);
            FORWARD = linker.downcallHandle(shim.findOrThrow("pmx_shim_forward"), burst, critical);
        } catch (IOException | InterruptedException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private ShimLibrary() {
    }

    /** Compiles the shim into a temporary shared library and returns its path. */
    private static Path build() throws IOException, InterruptedException {
        Path source = findSource();
        Path dir = Files.createTempDirectory("pmx-shim");
        Path lib = dir.resolve("libpmx_dpdk_shim.so");
        List<String> cmd = new ArrayList<>(List.of("gcc", "-O3", "-shared", "-fPIC", "-o", lib.toString(), source.toString()));
        cmd.addAll(1, pkgConfig("--cflags"));
        cmd.addAll(List.of("-lrte_ethdev", "-lrte_mbuf", "-lrte_mempool", "-lrte_eal"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("building the shim failed: " + String.join(" ", cmd) + "\n" + out);
        }
        lib.toFile().deleteOnExit();
        dir.toFile().deleteOnExit();
        return lib;
    }

    private static List<String> pkgConfig(String what) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("pkg-config", what, "libdpdk").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("pkg-config " + what + " libdpdk failed (libdpdk-dev installed?): " + out);
        }
        return Arrays.asList(out.split("\\s+"));
    }

    private static Path findSource() throws IOException {
        String configured = System.getProperty("panamax.shim.source");
        if (configured != null) {
            return Path.of(configured);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(SOURCE);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IOException("no " + SOURCE + " under " + Path.of("").toAbsolutePath()
                + " or its parents: run JMH from the repository, or set -Dpanamax.shim.source");
    }

    static int rxBurst(int port, int queue, long pkts, int n) throws Throwable {
        return (short) RX_BURST.invokeExact((short) port, (short) queue, pkts, (short) n) & 0xffff;
    }

    static int txBurst(int port, int queue, long pkts, int n) throws Throwable {
        return (short) TX_BURST.invokeExact((short) port, (short) queue, pkts, (short) n) & 0xffff;
    }

    static int allocBulk(long mempool, long pkts, int n) throws Throwable {
        return (int) ALLOC_BULK.invokeExact(mempool, pkts, n);
    }

    static int forward(int rxPort, int txPort, long pkts, int n) throws Throwable {
        return (short) FORWARD.invokeExact((short) rxPort, (short) txPort, pkts, (short) n) & 0xffff;
    }

}
