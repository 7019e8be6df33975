package io.panamax.nic.dpdk;

import io.panamax.dpdk.DpdkLibraries;
import io.panamax.dpdk.DpdkUnavailableException;
import io.panamax.dpdk.RteErrno;
import io.panamax.dpdk.bindings.dpdk_h;
import io.panamax.reactor.CpuAffinity;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicReference;

/**
 * DPDK's Environment Abstraction Layer, initialised once per process ({@code rte_eal_init} cannot
 * run twice) and shared by every {@link DpdkNic} in it. Virtual devices are hot-plugged later with
 * {@link #probe}, so one EAL serves many devices and tests.
 *
 * <p>The arguments are, first match wins: those given to {@link #initialize(List)}; the system
 * property {@value #ARGS_PROPERTY} or the environment variable {@value #ARGS_ENV} (split on
 * whitespace); else {@link #defaultArguments()}, made for a machine without hugepages or bound
 * NICs: {@code --no-huge -m 512 --no-pci --no-shconf --no-telemetry}, a process-unique
 * {@code --file-prefix}, one lcore, and {@code -d} the driver directory.
 *
 * <p>{@code rte_eal_init} pins the calling thread to the main lcore's CPU, so it runs on a
 * short-lived thread of its own: no application thread inherits that affinity. Shards that poll
 * queues are non-EAL threads (no lcore id), which is why Panamax's mempools have no per-lcore
 * cache.
 *
 * <p>Its methods are synchronized: they run when a process starts DPDK and when a device is
 * plugged or removed, from whichever thread opens a NIC; never on the data path.
 */
public final class Eal {
    public static final String ARGS_PROPERTY = "panamax.dpdk.eal.args";
    public static final String ARGS_ENV = "PANAMAX_DPDK_EAL_ARGS";
    private static final String VDEV_BUS = "vdev";
    private static final String PCI_BUS = "pci";
    private static final java.util.regex.Pattern PCI_ADDRESS =
            java.util.regex.Pattern.compile("([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]");

    private static Eal instance;
    private static DpdkException failure;

    private final List<String> arguments;

    private Eal(List<String> arguments) {
        this.arguments = List.copyOf(arguments);
    }

    /**
     * The process's EAL, initialised now with the configured or default arguments if it is not
     * yet. Throws {@link DpdkUnavailableException} without DPDK, {@link DpdkException} when
     * {@code rte_eal_init} fails (and on every later call: EAL initialisation is not retried).
     */
    public static synchronized Eal get() {
        if (instance != null) {
            return instance;
        }
        return initialize(configuredArguments().orElseGet(Eal::defaultArguments));
    }

    /**
     * Initialises the EAL with {@code args} ({@code args.get(0)} is the program name, as in
     * {@code argv}). If it is already initialised with the same arguments, returns it; with other
     * arguments, throws {@link IllegalStateException}.
     */
    public static synchronized Eal initialize(List<String> args) {
        Objects.requireNonNull(args);
        if (instance != null) {
            if (!instance.arguments.equals(args)) {
                throw new IllegalStateException("the EAL is already initialised with " + instance.arguments
                        + "; it runs once per process and cannot be re-initialised with " + args);
            }
            return instance;
        }
        if (failure != null) {
            throw failure;
        }
        DpdkLibraries.load();
        // rte_eal_init pins its thread to the main lcore's CPU, hence a thread of its own (see the
        // class comment); its verdict comes back through this holder, read after join().
        AtomicReference<String> error = new AtomicReference<>();
        Thread init = Thread.ofPlatform().name("dpdk-eal-init").unstarted(() -> error.set(callInit(args)));
        init.start();
        try {
            init.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the EAL initialises", e);
        }
        if (error.get() != null) {
            failure = new DpdkException("rte_eal_init " + args + " failed: " + error.get());
            throw failure;
        }
        instance = new Eal(args);
        return instance;
    }

    /** Whether an EAL is running in this process. */
    public static synchronized boolean isInitialized() {
        return instance != null;
    }

    /** Why DPDK cannot be used in this process, or empty when it can (initialising the EAL to find out). */
    public static Optional<String> unavailableReason() {
        try {
            get();
            return Optional.empty();
        } catch (DpdkUnavailableException | DpdkException e) {
            return Optional.of(e.getMessage());
        }
    }

    /** The arguments from {@value #ARGS_PROPERTY} / {@value #ARGS_ENV}, if set. */
    public static Optional<List<String>> configuredArguments() {
        String v = System.getProperty(ARGS_PROPERTY);
        if (v == null || v.isBlank()) {
            v = System.getenv(ARGS_ENV);
        }
        if (v == null || v.isBlank()) {
            return Optional.empty();
        }
        List<String> args = new ArrayList<>();
        args.add("panamax");
        args.addAll(Arrays.asList(v.strip().split("\\s+")));
        return Optional.of(args);
    }

    /** Arguments for a machine without hugepages and without NICs bound to DPDK. */
    public static List<String> defaultArguments() {
        DpdkLibraries.Located libs = DpdkLibraries.load();
        int[] cpus = CpuAffinity.allowedCpus();
        List<String> args = new ArrayList<>(List.of("panamax",
                "-l", Integer.toString(cpus.length > 0 ? cpus[0] : 0),
                "--no-huge", "-m", "512",
                "--no-pci",
                "--no-shconf",
                "--no-telemetry",
                "--file-prefix", "panamax-" + ProcessHandle.current().pid(),
                "--log-level", "notice"));
        libs.pmdDirectory().ifPresent(dir -> {
            args.add("-d");
            args.add(dir.toString());
        });
        return args;
    }

    /** Runs on the init thread; returns null on success, else the error text. */
    private static String callInit(List<String> args) {
        // argv lives for the process: EAL keeps pointers into it.
        Arena arena = Arena.global();
        MemorySegment argv = arena.allocate(ValueLayout.ADDRESS, args.size() + 1L);
        for (int i = 0; i < args.size(); i++) {
            argv.setAtIndex(ValueLayout.ADDRESS, i, arena.allocateFrom(args.get(i)));
        }
        int rc = dpdk_h.rte_eal_init(args.size(), argv);
        if (rc < 0) {
            return RteErrno.describeCurrent();
        }
        return null;
    }

    public List<String> arguments() {
        return arguments;
    }

    /**
     * Hot-plugs a device from its devargs ({@code "net_tap0,iface=pmx0"}, {@code "net_ring0"},
     * a PCI address) and returns the port id of the ethdev it created. The device is created in the
     * network namespace of the calling thread (what the TAP driver does).
     */
    public synchronized int probe(String devargs) {
        String name = deviceName(devargs);
        if (findPort(name).isPresent()) {
            throw new DpdkException("device " + name + " already exists (port " + findPort(name).getAsInt() + ")");
        }
        try (Arena arena = Arena.ofConfined()) {
            DpdkException.check(dpdk_h.rte_dev_probe(arena.allocateFrom(devargs)), "rte_dev_probe(\"" + devargs + "\")");
        }
        return findPort(name).orElseThrow(() -> new DpdkException("rte_dev_probe(\"" + devargs
                + "\") succeeded but made no ethdev named " + name));
    }

    /** Removes a device made by {@link #probe}; its ports must be closed. */
    public synchronized void remove(String deviceName) {
        String bus = busOf(deviceName);
        try (Arena arena = Arena.ofConfined()) {
            DpdkException.check(dpdk_h.rte_eal_hotplug_remove(arena.allocateFrom(bus), arena.allocateFrom(deviceName)),
                    "rte_eal_hotplug_remove(" + bus + ", " + deviceName + ")");
        }
    }

    /** The bus a device name belongs to: PCI addresses ({@code 0000:01:00.0}, {@code 01:00.0}) or virtual. */
    static String busOf(String deviceName) {
        return PCI_ADDRESS.matcher(deviceName).matches() ? PCI_BUS : VDEV_BUS;
    }

    /** The port id of the ethdev named {@code name}, if there is one. */
    public OptionalInt findPort(String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment id = arena.allocate(ValueLayout.JAVA_SHORT);
            if (dpdk_h.rte_eth_dev_get_port_by_name(arena.allocateFrom(name), id) != 0) {
                return OptionalInt.empty();
            }
            return OptionalInt.of(id.get(ValueLayout.JAVA_SHORT, 0) & 0xffff);
        }
    }

    /** Ports that exist now. */
    public int portCount() {
        return dpdk_h.rte_eth_dev_count_avail() & 0xffff;
    }

    /** The device name in a devargs string: what comes before the first comma. */
    static String deviceName(String devargs) {
        String s = devargs.strip();
        int colon = s.indexOf(':');
        if (s.startsWith(VDEV_BUS + ":") && colon > 0) {
            s = s.substring(colon + 1);
        }
        int comma = s.indexOf(',');
        return comma < 0 ? s : s.substring(0, comma);
    }
}
