package io.panamax.reactor;

/**
 * A shard that ran one piece of work for longer than the stall threshold: which shard, for how long
 * (at least) when it was sampled, and where its thread was at that moment.
 */
public record StallReport(int shard, long stalledNanos, StackTraceElement[] stack) {

    /** A readable report with the stack trace, one frame a line. */
    public String describe() {
        StringBuilder sb = new StringBuilder()
                .append("shard ").append(shard).append(" stalled: one task has run for at least ")
                .append(stalledNanos / 1_000).append(" µs without returning to the poll loop\n");
        for (StackTraceElement e : stack) {
            sb.append("\tat ").append(e).append('\n');
        }
        return sb.toString();
    }
}
