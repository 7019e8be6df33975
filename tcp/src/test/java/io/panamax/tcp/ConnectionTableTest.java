package io.panamax.tcp;

import io.panamax.reactor.ManualClock;
import io.panamax.reactor.Reactor;
import io.panamax.tcp.script.RecordingIpv4Output;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

class ConnectionTableTest {

    @Test
    void behavesLikeAMapUnderRandomInsertsAndRemoves() {
        // Few distinct addresses and ports: many collisions and long probe runs.
        churn(ConnectionTable.ipv4(16), 4,
                (tcp, r) -> new Tcb(tcp, r.nextInt(3), 1 + r.nextInt(40), r.nextInt(3), 1 + r.nextInt(40), null),
                t -> t.localIp + ":" + t.localPort + ">" + t.remoteIp + ":" + t.remotePort,
                (table, t) -> table.get(t.localIp, t.remoteIp, t.localPort, t.remotePort));
    }

    /**
     * The IPv6 table under the same churn: addresses that differ in one half only (high or low,
     * local or remote), so a key compared on fewer than all four halves would be caught.
     */
    @Test
    void ipv6KeysCompareAllFourHalves() {
        long[] halves = {0xfd00_0007_0000_0000L, 0xfe80_0000_0000_0000L, 1, 2};
        churn(ConnectionTable.ipv6(16), 6,
                (tcp, r) -> new Tcb(tcp, halves[r.nextInt(2)], halves[2 + r.nextInt(2)], 1 + r.nextInt(20),
                        halves[r.nextInt(2)], halves[2 + r.nextInt(2)], 1 + r.nextInt(20), null),
                t -> t.localHigh + "/" + t.localLow + ":" + t.localPort + ">" + t.remoteHigh + "/" + t.remoteLow + ":" + t.remotePort,
                (table, t) -> table.get6(t.localHigh, t.localLow, t.remoteHigh, t.remoteLow, t.localPort, t.remotePort));
    }

    /** 50,000 random puts and removes against a HashMap model, every live entry looked up every 1,000 steps. */
    private static void churn(ConnectionTable table, long seed, BiFunction<Tcp, Random, Tcb> newTcb, Function<Tcb, String> key,
                              BiFunction<ConnectionTable, Tcb, Tcb> lookup) {
        try (Reactor reactor = Reactor.builder().shards(1).manual().clock(new ManualClock()).build().start()) {
            reactor.runOn(0, () -> {
                Tcp tcp = new Tcp(reactor.shard(0), new RecordingIpv4Output(1, reactor.clock()), TcpConfig.defaults());
                tcp.attachIpv6(new TcpOverIpv6Test.Link(reactor.shard(0), TcpOverIpv6Test.CLIENT));   // for the MSS
                Map<String, Tcb> model = new HashMap<>();
                List<Tcb> live = new ArrayList<>();
                Random r = new Random(seed);
                for (int i = 0; i < 50_000; i++) {
                    if (live.isEmpty() || r.nextInt(3) > 0) {
                        Tcb t = newTcb.apply(tcp, r);
                        if (model.containsKey(key.apply(t))) {
                            continue;
                        }
                        table.put(t);
                        model.put(key.apply(t), t);
                        live.add(t);
                    } else {
                        Tcb t = live.remove(r.nextInt(live.size()));
                        assertEquals(true, table.remove(t));
                        model.remove(key.apply(t));
                        assertNull(lookup.apply(table, t));
                    }
                    if (i % 1000 == 0) {
                        for (Tcb t : live) {
                            assertSame(t, lookup.apply(table, t));
                        }
                    }
                }
                assertEquals(model.size(), table.size());
            });
        }
    }
}
