package io.panamax.nic.linux;

import io.panamax.reactor.testing.Environment;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NetworkNamespaceTest {

    @Test
    void callInsideMovesOnlyTheCallingThreadAndBack() throws Exception {
        Environment.requireRoot("creates a network namespace");
        Environment.requireCommands("ip");
        String home = Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
        String name;
        try (NetworkNamespace ns = NetworkNamespace.createUnique("pmx-nstest")) {
            name = ns.name();
            assertTrue(NetworkNamespace.exists(name));
            String inside = ns.callInside(() -> Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString());
            assertNotEquals(home, inside, "the thread was inside another namespace");
            assertEquals(home, Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString(), "and came back");
            // Only loopback exists in a fresh namespace, and it is up.
            String links = ns.exec(Duration.ofSeconds(5), "ip", "-o", "link").orThrow("ip link").stdout();
            assertEquals(1, links.lines().count(), links);
            assertTrue(links.contains("LOOPBACK,UP"), links);
        }
        assertFalse(NetworkNamespace.exists(name), "deleted on close");
    }
}
