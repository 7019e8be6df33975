package io.panamax.reactor;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * The settings of a {@link Reactor}; built with {@link Reactor#builder()}.
 *
 * @param shards               number of shards (threads)
 * @param idlePolicy           what an idle shard does
 * @param pinThreads           pin each shard's thread to a CPU
 * @param manual               no threads: the caller drives the loops ({@link Reactor#runOnce()}), for tests
 * @param clock                the time source (a {@link ManualClock} for virtual time)
 * @param stallThreshold       report a task that runs longer than this; zero turns the detector off
 * @param stallListener        receives the stall reports
 * @param stallWarmup          no stall is reported (all are counted) this long after start: class
 *                             loading and the JIT make first calls slow
 * @param messageQueueCapacity capacity of each shard-to-shard queue
 * @param taskBudget           most ready tasks run per loop iteration before polling again
 * @param messageBudget        most messages taken from each inbound queue per iteration
 * @param buffersPerShard      packet buffers in each shard's pool
 * @param bufferSize           bytes per packet buffer, headroom included
 * @param headroom             bytes reserved in front of new packets for headers to be prepended
 * @param stopTimeout          how long a stopping shard may take to drain
 * @param bufferPools          makes each shard's packet buffer pool (null: an off-heap slab per shard)
 * @param stallReportInterval  at most one stall report per shard per this interval (all are
 *                             counted; the first stall at a new place is always reported); zero
 *                             reports every stall whose stack could be sampled
 * @param stallSummaryInterval one summary of the stalls counted in each such period (by shard and
 *                             by place), when there were any; zero turns summaries off
 * @param stallSummaryListener receives the summaries (the default logs {@link StallSummary#describe()})
 * @param stallCheckInterval   how often the stall detector looks at the shards (at least half
 *                             the threshold): a stall is caught when a look falls in it after the
 *                             threshold, so stalls longer than threshold + interval always are
 * @param shardNice            the nice value each shard thread sets for itself (-20 to 19), or
 *                             {@code Integer.MIN_VALUE} to keep the priority it inherits (the default)
 * @param stallIdleCheckInterval the longest the detector waits between looks while every shard
 *                             sleeps: each look that finds them all asleep doubles the wait, from
 *                             {@code stallCheckInterval} up to this; a look that finds one awake
 *                             goes back to {@code stallCheckInterval}
 */
public record ReactorConfig(
        int shards,
        IdlePolicy idlePolicy,
        boolean pinThreads,
        boolean manual,
        Clock clock,
        Duration stallThreshold,
        Consumer<StallReport> stallListener,
        Duration stallWarmup,
        int messageQueueCapacity,
        int taskBudget,
        int messageBudget,
        int buffersPerShard,
        int bufferSize,
        int headroom,
        Duration stopTimeout,
        BufferPoolFactory bufferPools,
        Duration stallReportInterval,
        Duration stallSummaryInterval,
        Consumer<StallSummary> stallSummaryListener,
        Duration stallCheckInterval,
        Duration stallIdleCheckInterval,
        int shardNice) {

    public ReactorConfig {
        if (shards < 1) {
            throw new IllegalArgumentException("shards must be at least 1, got " + shards);
        }
        if (messageQueueCapacity < 2) {
            throw new IllegalArgumentException("messageQueueCapacity must be at least 2");
        }
        if (bufferSize <= headroom) {
            throw new IllegalArgumentException("bufferSize " + bufferSize + " leaves no room after headroom " + headroom);
        }
        if (buffersPerShard < 1) {
            throw new IllegalArgumentException("buffersPerShard must be at least 1");
        }
        if (shardNice != ShardPriority.INHERITED && (shardNice < ShardPriority.MIN_NICE || shardNice > ShardPriority.MAX_NICE)) {
            throw new IllegalArgumentException("shardNice must be -20 to 19, got " + shardNice);
        }
    }
}
