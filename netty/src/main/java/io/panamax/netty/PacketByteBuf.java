package io.panamax.netty;

import io.netty.buffer.ByteBufAllocator;
import io.panamax.reactor.Shard;
import io.panamax.reactor.ShardMessage;
import io.panamax.reactor.buffer.Packet;

import java.lang.foreign.MemorySegment;

/**
 * Received bytes as a Netty {@code ByteBuf} without a copy: a direct buffer over one fragment of a
 * stack packet, in the receive buffer it arrived in. The packet is released when the last
 * reference to the {@code ByteBuf} is: on its home shard in place, from any other thread by a
 * message to that shard (buffer reference counts are the shard's alone, never touched elsewhere).
 */
final class PacketByteBuf extends SegmentByteBuf implements ShardMessage {
    private final Shard home;
    private final TransportCounters counters;
    private Packet packet;
    /** The fragment's memory and where it starts: the bytes are there until the packet is released. */
    private final MemorySegment memory;
    private final long base;

    PacketByteBuf(ByteBufAllocator alloc, Shard home, TransportCounters counters, Packet packet) {
        // Capacity fixed at the fragment's length: a write that needs more makes the caller copy.
        super(alloc, BufferViews.of(packet.fragmentBuffer(0), packet.fragmentOffset(0), packet.fragmentLength(0)),
                packet.fragmentLength(0));
        this.home = home;
        this.counters = counters;
        this.packet = packet;
        this.memory = packet.fragmentMemory(0);
        this.base = packet.fragmentOffset(0);
    }

    /** A view of the packet's single fragment. */
    static PacketByteBuf over(ByteBufAllocator alloc, Shard home, TransportCounters counters, Packet p) {
        return new PacketByteBuf(alloc, home, counters, p);
    }

    @Override
    MemorySegment memory() {
        return memory; // accesses after the last release fail in checkIndex, as for any ByteBuf
    }

    @Override
    long base() {
        return base;
    }

    @Override
    protected void deallocate() {
        super.deallocate(); // frees nothing: the wrapped memory is not the JDK's
        if (Shard.current() == home) {
            releasePacket();
        } else {
            home.execute((ShardMessage) this);
        }
    }

    /** Arrival on the home shard after the last release happened elsewhere. */
    @Override
    public void deliver(Shard shard) {
        counters.foreignReleases.increment(); // here: counters are the home shard's alone
        releasePacket();
    }

    private void releasePacket() {
        Packet p = packet;
        packet = null;
        if (p != null) {
            p.release();
        }
    }
}
