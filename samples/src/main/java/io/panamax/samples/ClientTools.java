package io.panamax.samples;

import java.io.File;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The client programs the samples suggest (ping, nc, socat, curl, wrk, iperf3, redis-cli...) and the
 * Debian packages they come in, so that a sample can say how to get the ones this machine lacks
 * instead of printing commands that fail with "command not found".
 */
final class ClientTools {
    /** Program → Debian/Ubuntu package. */
    static final Map<String, String> PACKAGES = packages();

    private ClientTools() {
    }

    private static Map<String, String> packages() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("ping", "iputils-ping");
        m.put("arping", "arping");
        m.put("socat", "socat");
        m.put("nc", "netcat-openbsd");
        m.put("curl", "curl");
        m.put("wrk", "wrk");
        m.put("openssl", "openssl");
        m.put("iperf3", "iperf3");
        m.put("redis-cli", "redis-tools");
        m.put("redis-benchmark", "redis-tools");
        return m;
    }

    /**
     * One line naming the programs {@code commands} use that are not on the PATH, and the apt-get
     * command that installs them; empty when all are there.
     */
    static Optional<String> missingHint(List<String> commands) {
        return missingHint(commands, ClientTools::onPath);
    }

    /** The same, with {@code installed} saying whether a program is there. */
    static Optional<String> missingHint(List<String> commands, Predicate<String> installed) {
        Map<String, String> missing = new LinkedHashMap<>();
        for (var e : PACKAGES.entrySet()) {
            Pattern used = Pattern.compile("(^|[|;&] *|exec \\S+ )" + Pattern.quote(e.getKey()) + "( |$)");
            if (!missing.containsKey(e.getKey()) && commands.stream().anyMatch(c -> used.matcher(c).find()) && !installed.test(e.getKey())) {
                missing.put(e.getKey(), e.getValue());
            }
        }
        if (missing.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("Not installed here: " + String.join(", ", missing.keySet()) + ". Get them with: apt-get install "
                + String.join(" ", missing.values().stream().distinct().toList()) + "  (bin/panamax test installs them all)");
    }

    static boolean onPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin:/usr/bin:/bin";
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && new File(dir, program).canExecute()) {
                return true;
            }
        }
        return false;
    }
}
