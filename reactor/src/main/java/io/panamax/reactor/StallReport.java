package io.panamax.reactor;

/**
 * A shard that ran one piece of work for longer than the stall threshold: which shard, for how long
 * (at least) when it was sampled, where its thread was at that moment, the place that stack names
 * (see {@link #siteOf}) and whether this is the first report from that place.
 *
 * @param site        the stable key of the place ({@link #siteOf}); the {@code site} label of the
 *                    {@code reactor_stalls_total} counter
 * @param firstAtSite the first report made for this place: the default listener prints the full
 *                    stack of these only, the periodic summary counts the rest
 */
public record StallReport(int shard, long stalledNanos, StackTraceElement[] stack, String site, boolean firstAtSite) {

    /** The key of stalls whose stack could not be taken while the shard was still stuck. */
    public static final String UNSAMPLED = "(not sampled: the shard moved on first)";

    /** A report made from a stack alone (its place computed from it). */
    public StallReport(int shard, long stalledNanos, StackTraceElement[] stack) {
        this(shard, stalledNanos, stack, siteOf(stack), true);
    }

    /**
     * The place a stack names, stable from one stall to the next at the same place: the first two
     * frames below the JDK's own (the JDK frame on top moves about inside a busy loop or a blocking
     * call; the code that called it does not), as {@code Class.method}, without line numbers
     * (they move within a loop too). A stack wholly inside the JDK is named by its top frames.
     */
    public static String siteOf(StackTraceElement[] stack) {
        int first = 0;
        while (first < stack.length && isJdk(stack[first].getClassName())) {
            first++;
        }
        if (first == stack.length) {
            first = 0;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = first; i < Math.min(stack.length, first + 2); i++) {
            if (i > first) {
                sb.append(" <- ");
            }
            String c = stack[i].getClassName();
            sb.append(c.substring(c.lastIndexOf('.') + 1)).append('.').append(stack[i].getMethodName());
        }
        return sb.isEmpty() ? UNSAMPLED : sb.toString();
    }

    private static boolean isJdk(String className) {
        return className.startsWith("java.") || className.startsWith("jdk.") || className.startsWith("sun.")
                || className.startsWith("com.sun.") || className.startsWith("javax.");
    }

    /** A readable report with the stack trace, one frame a line. */
    public String describe() {
        StringBuilder sb = new StringBuilder()
                .append("shard ").append(shard).append(" stalled: one task has run for at least ")
                .append(stalledNanos / 1_000).append(" µs without returning to the poll loop, at ").append(site);
        if (firstAtSite) {
            sb.append(" (first stall here; later ones are counted in reactor_stalls_total{site=...} and the periodic summary)");
        }
        sb.append('\n');
        for (StackTraceElement e : stack) {
            sb.append("\tat ").append(e).append('\n');
        }
        return sb.toString();
    }
}
