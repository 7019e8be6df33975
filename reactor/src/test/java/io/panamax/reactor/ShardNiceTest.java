package io.panamax.reactor;

import io.panamax.reactor.testing.Environment;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link Reactor.Builder#shardNice}: each shard thread runs at the nice value asked for; without it, at the inherited one. */
class ShardNiceTest {
    /** Field 19 of {@code /proc/self/task/TID/stat}: the thread's nice value. */
    private static int niceOf(int tid) throws Exception {
        String stat = Files.readString(Path.of("/proc/self/task/" + tid + "/stat"));
        // "TID (comm) S ...": the comm may hold spaces, so the fields are counted after the last ')'.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        return Integer.parseInt(fields[16]); // field 19 counted from 1, the state being field 3
    }

    private static int shardNice(Reactor.Builder b) throws Exception {
        try (Reactor r = b.shards(1).build().start()) {
            r.await(r.submit(0, ShardFuture::done), Duration.ofSeconds(10));
            return niceOf(r.shard(0).nativeTid());
        }
    }

    @Test
    void eachShardThreadSetsTheNiceValueAskedFor() throws Exception {
        Environment.requireRoot("a negative nice value needs CAP_SYS_NICE");
        int inherited = niceOf(StallDetector.currentTid());
        assertEquals(-5, shardNice(Reactor.builder().shardNice(-5)));
        assertEquals(inherited, shardNice(Reactor.builder()), "by default the shard keeps what it inherits");
        assertEquals(inherited, niceOf(StallDetector.currentTid()), "the thread that started the reactor is unchanged");
    }

    @Test
    void aValueOutsideLinuxsRangeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Reactor.builder().shardNice(20));
        assertThrows(IllegalArgumentException.class, () -> Reactor.builder().shardNice(-21));
    }
}
