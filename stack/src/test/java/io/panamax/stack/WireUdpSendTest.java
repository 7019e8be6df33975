package io.panamax.stack;

import io.panamax.ip.UdpSocket;
import io.panamax.nic.MacAddress;
import io.panamax.nic.wire.Wire;
import io.panamax.nic.wire.WireConfig;
import io.panamax.reactor.ManualClock;
import io.panamax.reactor.Reactor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code UdpSocket.send} from heap data: a byte array, a slice of one, a heap and a direct
 * {@code ByteBuffer} (whose position moves to its limit) and a {@code MemorySegment}, each copied
 * into a packet buffer and received intact by a second stack over the in-memory wire, from the
 * sending port. Both stacks' pools are full again at the end.
 */
class WireUdpSendTest {

    @Test
    void heapDataIsCopiedIntoADatagramAndArrivesIntact() throws Exception {
        ManualClock clock = new ManualClock();
        Reactor reactor = Reactor.builder().shards(1).manual().clock(clock).build().start();
        Wire wire = Wire.pair(WireConfig.builder().name("udp-send").clock(clock)
                .macs(MacAddress.parse("02:00:00:00:0c:01"), MacAddress.parse("02:00:00:00:0c:02")).build());
        Stack client = Stack.builder().reactor(reactor).nic(NicFactory.of(wire.a())).ipv4("10.12.0.1/24").start();
        Stack server = Stack.builder().reactor(reactor).nic(NicFactory.of(wire.b())).ipv4("10.12.0.2/24").start();
        try {
            List<String> received = new ArrayList<>();
            List<Integer> fromPorts = new ArrayList<>();
            reactor.runOn(0, () -> server.shard(0).udp().bind(9, (socket, ip, port, data) -> {
                received.add(data.toString(ISO_8859_1));
                fromPorts.add(port);
                data.release();
            }));
            InetSocketAddress to = new InetSocketAddress(InetAddress.getByName("10.12.0.2"), 9);
            ByteBuffer heap = ByteBuffer.wrap("..heap buffer..".getBytes(ISO_8859_1)).position(2).limit(13);
            ByteBuffer direct = ByteBuffer.allocateDirect(32).put("direct buffer".getBytes(ISO_8859_1)).flip();
            MemorySegment segment = Arena.ofAuto().allocateFrom("memory segment").asSlice(0, 14);
            boolean[] sent = new boolean[5];
            reactor.runOn(0, () -> {
                UdpSocket socket = client.shard(0).udp().bind(40_000);
                sent[0] = socket.send(to, "byte array".getBytes(ISO_8859_1));
                sent[1] = socket.send(to, "[a slice]".getBytes(ISO_8859_1), 1, 7);
                sent[2] = socket.send(to, heap);
                sent[3] = socket.send(to, direct);
                sent[4] = socket.send(to, segment);
            });
            reactor.runUntilIdle();
            for (boolean s : sent) {
                assertTrue(s, "accepted for sending");
            }
            assertEquals(List.of("byte array", "a slice", "heap buffer", "direct buffer", "memory segment"), received);
            assertEquals(List.of(40_000, 40_000, 40_000, 40_000, 40_000), fromPorts);
            assertEquals(13, heap.position(), "the buffer's remaining bytes were consumed");
            assertEquals(0, direct.remaining());
        } finally {
            client.close();
            server.close();
            assertNull(server.leaksAtClose(), "every buffer and packet returned");
            reactor.stop();
            wire.close();
        }
    }
}
