package io.panamax.netty;

import io.panamax.nic.linux.NetworkNamespace;
import io.panamax.reactor.Shard;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Vert.x 5 on the transport over TAP, unchanged but for {@code withTransport(...)}: its HTTP
 * server (one verticle instance per shard, as Vert.x scales a server over its event loops)
 * answering curl and wrk of the kernel, every request handled on a shard thread, both shards used.
 */
class VertxOverTapTest {
    static final int PORT = 8081;

    /** A verticle serving {@code /hello} and echoing {@code /echo}; notes the shard of each request. */
    static final class Web extends VerticleBase {
        final Set<Integer> shards;

        Web(Set<Integer> shards) {
            this.shards = shards;
        }

        @Override
        public Future<?> start() {
            HttpServer server = vertx.createHttpServer().requestHandler(req -> {
                Shard s = Shard.current();
                shards.add(s == null ? -1 : s.id());
                if (req.path().equals("/echo")) {
                    req.body().onSuccess(b -> req.response().end(b));
                } else {
                    req.response().end("hello from vert.x on panamax");
                }
            });
            return server.listen(PORT, TapStack.STACK_IP);
        }
    }

    @Test
    void httpServerOnTheStackAnswersCurlAndWrk() throws Exception {
        TapStack tap = TapStack.start("pmx-vx", 2, "curl", "wrk", "sha256sum");
        String leaks;
        try {
            Vertx vertx = Vertx.builder().withTransport(new PanamaxVertxTransport(tap.group)).build();
            try {
                Set<Integer> shards = ConcurrentHashMap.newKeySet();
                // From this thread (not a shard): the instances' contexts go round the shards' loops.
                vertx.deployVerticle(() -> new Web(shards), new DeploymentOptions().setInstances(tap.stack.shardCount()))
                        .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);

                String url = "http://" + TapStack.STACK_IP + ":" + PORT;
                NetworkNamespace.Result hello = tap.ns.exec(TapStack.T, "curl", "-sS", "--max-time", "10", url + "/hello");
                assertEquals("hello from vert.x on panamax", hello.orThrow("curl GET").stdout());

                tap.assertCurlEchoes(url + "/echo", "2M");

                tap.assertWrkClean(url + "/hello", 16, 1);
                // 16 connections and more spread by RSS: both shards served, and only shards.
                assertEquals(Set.of(0, 1), shards, "shards that handled requests (-1: not a shard thread)");
            } finally {
                vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
            }
        } finally {
            leaks = tap.stop();
        }
        assertNull(leaks, "every buffer and packet returned");
    }
}
