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
 * <p>The HTTP conversations send fixed headers (no curl version, which would change with the
 * machine that re-records); the Date field of the answers is left out of the comparison
 * ({@link StackSideRenderer}).
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

    /** curl speaking HTTP/1.1 with headers of its own that do not depend on its version. */
    private static final String CURL = "curl -sS --http1.1 --max-time 5 -H 'User-Agent: panamax-golden' -H 'Accept: text/plain' ";

    /** Every golden conversation. */
    public static List<GoldenConversation> all() {
        return List.of(
                new GoldenConversation("ping", "ping -c 3 -i 0.2 -W 2 " + STACK_IP, "3 received", true),
                new GoldenConversation("udp-echo", "printf 'hello panamax\\n' | socat -t 2 - UDP:" + STACK_IP + ":7",
                        "hello panamax", true),
                new GoldenConversation("tcp-echo", "printf 'hello panamax\\n' | nc -N -w 5 " + STACK_IP + " 7",
                        "hello panamax", true),
                new GoldenConversation("tcp-discard", "head -c 30000 /dev/zero | nc -N -w 5 " + STACK_IP + " 9", "", true),
                new GoldenConversation("tcp-refused", "nc -z -w 2 " + STACK_IP + " 81", "", false),
                new GoldenConversation("http-get", CURL + "http://" + STACK_IP + ":8080/golden", "GET /golden HTTP/1.1", true),
                new GoldenConversation("http-post", CURL + "-H 'Content-Type: text/plain' --data-binary 'hello panamax' http://"
                        + STACK_IP + ":8080/echo", "hello panamax", true),
                // TLS 1.3 with the one suite and group the replay's seeded server answers the same way.
                new GoldenConversation("https-s_client", "printf 'GET /golden HTTP/1.1\\r\\nHost: golden.test\\r\\n"
                        + "User-Agent: panamax-golden\\r\\nConnection: close\\r\\n\\r\\n' | openssl s_client -quiet -tls1_3"
                        + " -ciphersuites TLS_AES_128_GCM_SHA256 -groups X25519 -servername golden.test -alpn http/1.1"
                        + " -CAfile " + directory().resolve("tls/golden.test-cert.pem") + " -verify_return_error -connect "
                        + STACK_IP + ":8443", "GET /golden HTTP/1.1", true),
                new GoldenConversation("http-wrk", "wrk -t1 -c1 -d2s -s " + directory().resolve("wrk-3-requests.lua")
                        + " http://" + STACK_IP + ":8080/golden", "3 requests in", true));
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
