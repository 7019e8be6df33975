package io.panamax.samples.iperf;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The test parameters an iperf3 client sends (a flat JSON object written by cJSON), reduced to what
 * this server acts on.
 *
 * @param streams       {@code parallel}: data connections the client opens
 * @param reverse       {@code -R}: the server sends, the client receives
 * @param bidirectional {@code --bidir}
 * @param notTcp        {@code -u} or {@code --sctp}
 * @param window        {@code -w}: the socket buffer size the client asks both sides for, in bytes;
 *                      0 when not given
 */
record Iperf3Parameters(int streams, boolean reverse, boolean bidirectional, boolean notTcp, int window) {
    private static final Pattern PARALLEL = Pattern.compile("\"parallel\"\\s*:\\s*(\\d{1,9})");
    private static final Pattern WINDOW = Pattern.compile("\"window\"\\s*:\\s*(\\d{1,9})");

    /** The parameters of {@code json}, or null when it is not an iperf3 parameter object. */
    static Iperf3Parameters parse(String json) {
        String t = json.strip();
        if (!t.startsWith("{") || !t.endsWith("}")) {
            return null;
        }
        Matcher m = PARALLEL.matcher(t);
        int streams = m.find() ? Integer.parseInt(m.group(1)) : 1;
        Matcher w = WINDOW.matcher(t);
        int window = w.find() ? Integer.parseInt(w.group(1)) : 0;
        return new Iperf3Parameters(streams, flag(t, "reverse"), flag(t, "bidirectional"), flag(t, "udp") || flag(t, "sctp"), window);
    }

    /** Whether the request is one this server serves: 1 to 128 TCP streams, one way (either way). */
    boolean supported() {
        return !bidirectional && !notTcp && streams >= 1 && streams <= Iperf3Messages.MAX_STREAMS;
    }

    private static boolean flag(String json, String name) {
        return Pattern.compile("\"" + name + "\"\\s*:\\s*true").matcher(json).find();
    }
}
