package io.panamax.samples;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hint a sample prints under its commands names exactly the programs they use that are missing, with their packages. */
class ClientToolsTest {
    private static final List<String> ECHO_COMMANDS = List.of(
            "ip netns exec panamax ping -c 3 10.7.0.2",
            "echo hello | ip netns exec panamax socat - UDP:10.7.0.2:7",
            "echo hello | ip netns exec panamax nc -N 10.7.0.2 7",
            "ip netns exec panamax wrk -t1 -c10 -d5s http://10.7.0.2:8080/",
            "ip netns exec panamax redis-cli -h 10.7.0.2 -p 6379 GET greeting",
            "ip netns exec panamax redis-benchmark -h 10.7.0.2 -q");

    @Test
    void namesTheMissingProgramsAndTheirPackages() {
        Set<String> here = Set.of("ping", "nc");
        Optional<String> hint = ClientTools.missingHint(ECHO_COMMANDS, here::contains);
        assertEquals("Not installed here: socat, wrk, redis-cli, redis-benchmark. Get them with: apt-get install socat wrk "
                + "redis-tools  (bin/panamax test installs them all)", hint.orElseThrow());
    }

    @Test
    void saysNothingWhenAllAreThereOrUnused() {
        assertTrue(ClientTools.missingHint(ECHO_COMMANDS, p -> true).isEmpty());
        // "nc" inside another word, curl not used at all: neither is reported.
        assertTrue(ClientTools.missingHint(List.of("ip netns exec x sync", "ip netns exec x ping -c 1 10.7.0.2"),
                p -> !p.equals("nc") && !p.equals("curl")).isEmpty());
    }
}
