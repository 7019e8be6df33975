package io.panamax.pcaptests;

import io.panamax.reactor.testing.SharedData;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shared captures and their manifest agree: the replay tests cover every file there is. */
class SharedDataTest {

    @Test
    void manifestListsExactlyTheCapturesInTheDirectory() throws Exception {
        Set<String> listed = SharedData.captures().stream().map(SharedData.Capture::file).collect(Collectors.toCollection(TreeSet::new));
        Set<String> present = new TreeSet<>();
        for (String dir : SharedData.CAPTURE_DIRECTORIES) {
            try (var files = Files.list(SharedData.directory().resolve(dir))) {
                files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".pcap") || n.endsWith(".pcapng"))
                        .forEach(present::add);
            }
        }
        assertEquals(present, listed);
        assertEquals(51, SharedData.captures("pcaps-v6").size(), "the IPv6 and DHCP captures are in the corpus");
        assertEquals(SharedData.captures().size(), listed.size(), "no capture listed twice");
    }

    @Test
    void rowsReadAsTheManifestDescribesThem() {
        SharedData.Capture handshake = SharedData.capture("cs-tcp_handshake.pcapng");
        assertEquals(3, handshake.packets());
        assertTrue(handshake.isEthernet() && handshake.has("tcp") && !handshake.has("udp"));
        assertEquals("cs-tcp_handshake", handshake.baseName());
        SharedData.Capture rejected = SharedData.capture("libpcap-pcap-invalid-version-1.pcap");
        assertTrue(rejected.rejected() && !rejected.isEthernet());
        assertTrue(SharedData.ethernetCaptures().stream().allMatch(c -> c.isEthernet() && c.packets() > 0));
        assertTrue(Files.isRegularFile(SharedData.file("rss/toeplitz-vectors.tsv")));
        assertThrows(IllegalArgumentException.class, () -> SharedData.capture("no-such.pcap"));
    }

    @Test
    void anExplicitDirectoryWinsAndABadOneIsNamed() {
        Path real = SharedData.directory();
        String before = System.getProperty(SharedData.PROPERTY);
        try {
            System.setProperty(SharedData.PROPERTY, real.toString());
            assertEquals(real, SharedData.directory());
            System.setProperty(SharedData.PROPERTY, real.resolve("nowhere").toString());
            IllegalStateException e = assertThrows(IllegalStateException.class, SharedData::directory);
            assertTrue(e.getMessage().contains("nowhere"), e.getMessage());
        } finally {
            if (before == null) {
                System.clearProperty(SharedData.PROPERTY);
            } else {
                System.setProperty(SharedData.PROPERTY, before);
            }
        }
    }
}
