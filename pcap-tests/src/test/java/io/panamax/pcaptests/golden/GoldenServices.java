package io.panamax.pcaptests.golden;

import io.panamax.samples.http.HttpConfig;
import io.panamax.samples.http.HttpServer;
import io.panamax.stack.ShardStack;

/**
 * What a golden stack serves beyond the echo sample's services (which the recording installs with
 * {@code ReplayCommand.installEchoServices} and every replay installs itself): the sample's HTTP
 * echo on port 8080, as {@code bin/panamax echo} runs it. The live recording and the replay must
 * serve the same, so both install it from here.
 */
final class GoldenServices {
    private GoldenServices() {
    }

    /** The HTTP echo with its default settings, on one shard (call it on that shard). */
    static void httpEcho(ShardStack shard) {
        new HttpServer(shard, HttpConfig.defaults(), shard.shard().reactor().metrics());
    }
}
