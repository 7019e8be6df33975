package io.panamax.benchmarks.suite;

import java.util.Optional;

/** One benchmark of the suite: it runs Panamax and its peer in the same run and fills a {@link Section}. */
interface SuiteBenchmark {
    /** The name {@code --only} takes. */
    String name();

    /** The heading of its part of the page. */
    String title();

    /** One line for {@code --list}. */
    String summary();

    /** Why it cannot run here (not root, no DPDK...), or empty. */
    default Optional<String> unavailable(Context ctx) {
        return Optional.empty();
    }

    void run(Context ctx, Section out) throws Exception;
}
