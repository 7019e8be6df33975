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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

class ConnectionTableTest {

    @Test
    void behavesLikeAMapUnderRandomInsertsAndRemoves() {
        try (Reactor reactor = Reactor.builder().shards(1).manual().clock(new ManualClock()).build().start()) {
            reactor.runOn(0, () -> {
                Tcp tcp = new Tcp(reactor.shard(0), new RecordingIpv4Output(1, reactor.clock()), TcpConfig.defaults());
                ConnectionTable table = ConnectionTable.ipv4(16);
                Map<String, Tcb> model = new HashMap<>();
                List<Tcb> live = new ArrayList<>();
                Random r = new Random(4);
                for (int i = 0; i < 50_000; i++) {
                    if (live.isEmpty() || r.nextInt(3) > 0) {
                        // Few distinct addresses and ports: many collisions and long probe runs.
                        Tcb t = new Tcb(tcp, r.nextInt(3), 1 + r.nextInt(40), r.nextInt(3), 1 + r.nextInt(40), null);
                        String k = t.localIp + ":" + t.localPort + ">" + t.remoteIp + ":" + t.remotePort;
                        if (model.containsKey(k)) {
                            continue;
                        }
                        table.put(t);
                        model.put(k, t);
                        live.add(t);
                    } else {
                        Tcb t = live.remove(r.nextInt(live.size()));
                        assertEquals(true, table.remove(t));
                        model.remove(t.localIp + ":" + t.localPort + ">" + t.remoteIp + ":" + t.remotePort);
                        assertNull(table.get(t.localIp, t.remoteIp, t.localPort, t.remotePort));
                    }
                    if (i % 1000 == 0) {
                        for (Tcb t : live) {
                            assertSame(t, table.get(t.localIp, t.remoteIp, t.localPort, t.remotePort));
                        }
                    }
                }
                assertEquals(model.size(), table.size());
            });
        }
    }

    /**
     * The IPv6 table under the same churn: addresses that differ in one half only (high or low,
     * local or remote), so a key compared on fewer than all four halves would be caught.
     */
    @Test
    void ipv6KeysCompareAllFourHalves() {
        try (Reactor reactor = Reactor.builder().shards(1).manual().clock(new ManualClock()).build().start()) {
            reactor.runOn(0, () -> {
                Tcp tcp = new Tcp(reactor.shard(0), new RecordingIpv4Output(1, reactor.clock()), TcpConfig.defaults());
                tcp.attachIpv6(new TcpOverIpv6Test.Link(reactor.shard(0), TcpOverIpv6Test.CLIENT));   // for the MSS
                ConnectionTable table = ConnectionTable.ipv6(16);
                long[] halves = {0xfd00_0007_0000_0000L, 0xfe80_0000_0000_0000L, 1, 2};
                Map<String, Tcb> model = new HashMap<>();
                List<Tcb> live = new ArrayList<>();
                Random r = new Random(6);
                for (int i = 0; i < 50_000; i++) {
                    if (live.isEmpty() || r.nextInt(3) > 0) {
                        Tcb t = new Tcb(tcp, halves[r.nextInt(2)], halves[2 + r.nextInt(2)], 1 + r.nextInt(20),
                                halves[r.nextInt(2)], halves[2 + r.nextInt(2)], 1 + r.nextInt(20), null);
                        String k = key(t);
                        if (model.containsKey(k)) {
                            continue;
                        }
                        table.put(t);
                        model.put(k, t);
                        live.add(t);
                    } else {
                        Tcb t = live.remove(r.nextInt(live.size()));
                        assertEquals(true, table.remove(t));
                        model.remove(key(t));
                        assertNull(table.get6(t.localHigh, t.localLow, t.remoteHigh, t.remoteLow, t.localPort, t.remotePort));
                    }
                    if (i % 1000 == 0) {
                        for (Tcb t : live) {
                            assertSame(t, table.get6(t.localHigh, t.localLow, t.remoteHigh, t.remoteLow, t.localPort, t.remotePort));
                        }
                    }
                }
                assertEquals(model.size(), table.size());
            });
        }
    }

    private static String key(Tcb t) {
        return t.localHigh + "/" + t.localLow + ":" + t.localPort + ">" + t.remoteHigh + "/" + t.remoteLow + ":" + t.remotePort;
    }
}
