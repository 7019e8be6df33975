package io.panamax.dpdk;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Finds and loads DPDK's shared libraries, once per process, before any generated binding is
 * touched.
 *
 * <p>The jextract classes in {@code io.panamax.dpdk.bindings} resolve symbols through the class
 * loader's lookup, so they work only after {@link #load()} has {@code System.load}ed the
 * libraries; every entry point of the DPDK backend calls {@link #load()} first. Nothing here runs
 * at class-load time of unrelated code, so a machine without DPDK runs every other backend.
 *
 * <p>Where the libraries are looked for, first match wins: the system property
 * {@value #LIBDIR_PROPERTY} or the environment variable {@value #LIBDIR_ENV}; Debian's multiarch
 * directories ({@code /usr/lib/x86_64-linux-gnu}, ...); {@code /usr/local/lib}, {@code /usr/lib64},
 * {@code /usr/lib}; then the dynamic linker's cache ({@code ldconfig -p}). The poll-mode driver
 * directory (EAL's {@code -d}) comes from {@value #PMDDIR_PROPERTY} / {@value #PMDDIR_ENV}, else
 * {@code <libdir>/dpdk/pmds-23.0}.
 */
public final class DpdkLibraries {
    /** The shared-library ABI of DPDK 22.11, the release the bindings were generated from. */
    public static final String ABI_VERSION = "23";
    /** The driver directory name DPDK 22.11 installs its PMDs in. */
    public static final String PMD_DIRECTORY_NAME = "pmds-23.0";

    public static final String LIBDIR_PROPERTY = "panamax.dpdk.libdir";
    public static final String LIBDIR_ENV = "PANAMAX_DPDK_LIBDIR";
    public static final String PMDDIR_PROPERTY = "panamax.dpdk.pmddir";
    public static final String PMDDIR_ENV = "PANAMAX_DPDK_PMDDIR";

    /** Loaded in this order; their own dependencies (ring, kvargs, telemetry, ...) follow by DT_NEEDED. */
    private static final List<String> LIBRARIES = List.of("rte_eal", "rte_ring", "rte_mempool", "rte_mbuf", "rte_ethdev");

    private static Located located;
    private static DpdkUnavailableException failure;

    private DpdkLibraries() {
    }

    /** Where the libraries were found. */
    public record Located(Path libraryDirectory, Optional<Path> pmdDirectory) {
        /** The path of {@code lib<name>.so.23} in the library directory. */
        public Path library(String name) {
            return libraryDirectory.resolve(soname(name));
        }
    }

    /**
     * Loads the libraries (idempotent, thread-safe) and says where they are. Throws
     * {@link DpdkUnavailableException} (every time, with the same message) when they cannot be.
     */
    public static synchronized Located load() {
        if (located != null) {
            return located;
        }
        if (failure != null) {
            throw failure;
        }
        try {
            Path dir = findLibraryDirectory(configured(LIBDIR_PROPERTY, LIBDIR_ENV));
            for (String lib : LIBRARIES) {
                try {
                    System.load(dir.resolve(soname(lib)).toString());
                } catch (UnsatisfiedLinkError e) {
                    throw new DpdkUnavailableException("DPDK library " + dir.resolve(soname(lib))
                            + " is present but does not load: " + e.getMessage(), e);
                }
            }
            located = new Located(dir, findPmdDirectory(dir));
            return located;
        } catch (DpdkUnavailableException e) {
            failure = e;
            throw e;
        }
    }

    /** Whether {@link #load()} succeeds; never throws. */
    public static boolean isAvailable() {
        return unavailableReason().isEmpty();
    }

    /** Why DPDK cannot be used here, or empty when it can. */
    public static Optional<String> unavailableReason() {
        try {
            load();
            return Optional.empty();
        } catch (DpdkUnavailableException e) {
            return Optional.of(e.getMessage());
        }
    }

    static String soname(String name) {
        return "lib" + name + ".so." + ABI_VERSION;
    }

    /** The directory holding {@code librte_eal.so.23}: {@code configured} if given, else searched. */
    static Path findLibraryDirectory(String configured) {
        String eal = soname("rte_eal");
        if (configured != null) {
            Path dir = Path.of(configured);
            if (Files.isRegularFile(dir.resolve(eal))) {
                return dir;
            }
            throw new DpdkUnavailableException("no " + eal + " in " + dir + ", the directory set by -D"
                    + LIBDIR_PROPERTY + " / $" + LIBDIR_ENV, null);
        }
        Set<Path> searched = new LinkedHashSet<>(candidateDirectories());
        for (Path dir : searched) {
            if (Files.isRegularFile(dir.resolve(eal))) {
                return dir;
            }
        }
        Optional<Path> cached = fromLdconfigCache(eal);
        if (cached.isPresent()) {
            return cached.get().getParent();
        }
        throw new DpdkUnavailableException("DPDK 22.11 runtime not found: no " + eal + " in " + searched
                + " nor in the ldconfig cache; set -D" + LIBDIR_PROPERTY + " to its directory", null);
    }

    private static List<Path> candidateDirectories() {
        List<Path> dirs = new ArrayList<>();
        String triplet = multiarchTriplet();
        if (triplet != null) {
            dirs.add(Path.of("/usr/lib", triplet));
            dirs.add(Path.of("/lib", triplet));
            dirs.add(Path.of("/usr/local/lib", triplet));
        }
        dirs.add(Path.of("/usr/local/lib"));
        dirs.add(Path.of("/usr/lib64"));
        dirs.add(Path.of("/usr/lib"));
        return dirs;
    }

    /** Debian's multiarch directory name for this JVM's architecture. */
    static String multiarchTriplet() {
        return switch (System.getProperty("os.arch", "").toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64" -> "x86_64-linux-gnu";
            case "aarch64", "arm64" -> "aarch64-linux-gnu";
            case "ppc64le" -> "powerpc64le-linux-gnu";
            case "riscv64" -> "riscv64-linux-gnu";
            default -> null;
        };
    }

    /** Asks {@code ldconfig -p} where the dynamic linker would find {@code soname}. */
    private static Optional<Path> fromLdconfigCache(String soname) {
        for (String ldconfig : List.of("/sbin/ldconfig", "/usr/sbin/ldconfig")) {
            if (!Files.isExecutable(Path.of(ldconfig))) {
                continue;
            }
            try {
                Process p = new ProcessBuilder(ldconfig, "-p").redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                p.waitFor(5, TimeUnit.SECONDS);
                for (String line : out.split("\n")) {
                    // "	librte_eal.so.23 (libc6,x86-64) => /lib/x86_64-linux-gnu/librte_eal.so.23"
                    String t = line.strip();
                    int arrow = t.indexOf("=>");
                    if (t.startsWith(soname + " ") && arrow > 0) {
                        Path path = Path.of(t.substring(arrow + 2).strip());
                        if (Files.isRegularFile(path)) {
                            return Optional.of(path);
                        }
                    }
                }
            } catch (IOException e) {
                return Optional.empty();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    private static Optional<Path> findPmdDirectory(Path libDir) {
        String configured = configured(PMDDIR_PROPERTY, PMDDIR_ENV);
        if (configured != null) {
            Path dir = Path.of(configured);
            if (!Files.isDirectory(dir)) {
                throw new DpdkUnavailableException("the DPDK driver directory " + dir + " set by -D"
                        + PMDDIR_PROPERTY + " / $" + PMDDIR_ENV + " does not exist", null);
            }
            return Optional.of(dir);
        }
        Path exact = libDir.resolve("dpdk").resolve(PMD_DIRECTORY_NAME);
        if (Files.isDirectory(exact)) {
            return Optional.of(exact);
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(libDir.resolve("dpdk"), "pmds-" + ABI_VERSION + "*")) {
            for (Path p : s) {
                return Optional.of(p);
            }
        } catch (IOException e) {
            // no driver directory: a DPDK linked with its drivers, or drivers given with -d by hand
        }
        return Optional.empty();
    }

    private static String configured(String property, String env) {
        String v = System.getProperty(property);
        if (v == null || v.isBlank()) {
            v = System.getenv(env);
        }
        return v == null || v.isBlank() ? null : v.strip();
    }
}
