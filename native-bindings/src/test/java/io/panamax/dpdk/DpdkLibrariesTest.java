package io.panamax.dpdk;

import io.panamax.reactor.testing.Environment;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DpdkLibrariesTest {

    @Test
    void aDirectoryWithoutDpdkNamesWhatToInstall() {
        DpdkUnavailableException e = assertThrows(DpdkUnavailableException.class,
                () -> DpdkLibraries.findLibraryDirectory("/nonexistent/dpdk"));
        assertTrue(e.getMessage().contains("librte_eal.so.23"), e.getMessage());
        assertTrue(e.getMessage().contains("/nonexistent/dpdk"), e.getMessage());
        assertTrue(e.getMessage().contains("apt-get install dpdk libdpdk-dev"), e.getMessage());
    }

    @Test
    void theSearchFindsTheInstalledRuntime() {
        Environment.require(DpdkLibraries.isAvailable(), "needs DPDK 22.11: " + DpdkLibraries.unavailableReason().orElse(""));
        Path dir = DpdkLibraries.findLibraryDirectory(null);
        assertTrue(Files.isRegularFile(dir.resolve("librte_ethdev.so.23")), dir.toString());
        DpdkLibraries.Located located = DpdkLibraries.load();
        assertTrue(located.pmdDirectory().isPresent(), "the driver directory " + DpdkLibraries.PMD_DIRECTORY_NAME);
        assertTrue(Files.isRegularFile(located.pmdDirectory().get().resolve("librte_net_ring.so")));
    }
}
