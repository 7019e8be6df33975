package io.panamax.reactor;

import java.util.Map;

/**
 * The stalls counted in one summary period: how many, on which shards, at which places (most
 * frequent first), and how many since start. One line in the log instead of a stack trace each.
 *
 * @param periodNanos the length of the period
 * @param perShard    stalls per shard in the period
 * @param bySite      stalls per place ({@link StallReport#siteOf}) in the period, most first
 * @param sinceStart  stalls on all shards since the reactor started
 * @param sites       distinct places seen since start
 */
public record StallSummary(long periodNanos, long[] perShard, Map<String, Long> bySite, long sinceStart, int sites) {

    /** Stalls in the period, on all shards. */
    public long total() {
        long t = 0;
        for (long n : perShard) {
            t += n;
        }
        return t;
    }

    /** One line: {@code 12 stalls in the last 10 s (shard 0: 9, shard 1: 3) at A x9, B x3; 40 since start at 5 places}. */
    public String describe() {
        StringBuilder sb = new StringBuilder().append(total()).append(" stalls in the last ")
                .append(periodNanos / 1_000_000_000.0 >= 1 ? (periodNanos / 1_000_000_000) + " s" : (periodNanos / 1_000_000) + " ms")
                .append(" (");
        boolean first = true;
        for (int i = 0; i < perShard.length; i++) {
            if (perShard[i] != 0) {
                sb.append(first ? "" : ", ").append("shard ").append(i).append(": ").append(perShard[i]);
                first = false;
            }
        }
        sb.append(") at ");
        int shown = 0;
        for (var e : bySite.entrySet()) {
            if (shown == 5) {
                sb.append(", ...");
                break;
            }
            sb.append(shown == 0 ? "" : ", ").append(e.getKey()).append(" x").append(e.getValue());
            shown++;
        }
        return sb.append("; ").append(sinceStart).append(" since start at ").append(sites)
                .append(sites == 1 ? " place" : " places").toString();
    }
}
