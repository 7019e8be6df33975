package io.panamax.pcaptests.golden;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The conversations recorded against a live stack over TAP and kept as goldens: a real client
 * run inside the test's network namespace, what it must have printed, and the file names under
 * {@code pcap-tests/src/test/resources/golden/}. The stack is {@link #STACK_IP} with the echo
 * sample's services; the kernel side is {@link #CLIENT_IP}.
 *
 * <p>Not yet here: an HTTP conversation with curl (the HTTP echo on port 8080 had not reached the
 * main branch) and a TLS one with openssl s_client (nor had TLS); see docs/pcap-tests.md.
 *
 * @param name        the golden's base name
 * @param command     the client, run with {@code sh -c} in the namespace
 * @param mustPrint   what the client prints when the conversation went as it should ("" when it prints nothing)
 * @param mustSucceed whether the client exits with status 0 (a refused connection does not)
 */
public record GoldenConversation(String name, String command, String mustPrint, boolean mustSucceed) {
    /** The stack's address in the recordings (the replay's default subnet, not its gateway). */
    public static final String STACK_IP = "10.7.0.2";
    /** The kernel side's address: not 10.7.0.1, which a replay gives the gateway it introduces. */
    public static final String CLIENT_IP = "10.7.0.5";
    /** The kernel side's MAC, fixed so that a re-recording changes only what behaved differently. */
    public static final String CLIENT_MAC = "02:00:00:00:07:05";

    /** Every golden conversation. */
    public static List<GoldenConversation> all() {
        return List.of(
                new GoldenConversation("ping", "ping -c 3 -i 0.2 -W 2 " + STACK_IP, "3 received", true),
                new GoldenConversation("udp-echo", "printf 'hello panamax\\n' | socat -t 2 - UDP:" + STACK_IP + ":7",
                        "hello panamax", true),
                new GoldenConversation("tcp-echo", "printf 'hello panamax\\n' | nc -N -w 5 " + STACK_IP + " 7",
                        "hello panamax", true),
                new GoldenConversation("tcp-discard", "head -c 30000 /dev/zero | nc -N -w 5 " + STACK_IP + " 9", "", true),
                new GoldenConversation("tcp-refused", "nc -z -w 2 " + STACK_IP + " 81", "", false));
    }

    /** Where goldens live: the module's test resources (tests run with the module as working directory). */
    public static Path directory() {
        return Path.of(System.getProperty("user.dir")).resolve("src/test/resources/golden");
    }

    /** The recorded conversation, both directions (pcapng, as CapturingNic wrote it). */
    public Path recording() {
        return directory().resolve(name + ".pcapng");
    }

    /** The stack's side rendered by {@link StackSideRenderer}: what a behaviour change diffs. */
    public Path rendering() {
        return directory().resolve(name + ".txt");
    }

    /** Whether this golden has been recorded. */
    public boolean recorded() {
        return Files.isRegularFile(recording()) && Files.isRegularFile(rendering());
    }

    @Override
    public String toString() {
        return name;
    }
}
