package io.panamax.netty;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.panamax.reactor.Shard;
import io.panamax.reactor.ShardMessage;
import io.panamax.reactor.buffer.Packet;

import java.nio.ByteBuffer;

/**
 * Received bytes as a Netty {@code ByteBuf} without a copy: a direct buffer over one fragment of a
 * stack packet, in the receive buffer it arrived in. The packet is released when the last
 * reference to the {@code ByteBuf} is: on its home shard in place, from any other thread by a
 * message to that shard (buffer reference counts are the shard's alone, never touched elsewhere).
 */
final class PacketByteBuf extends UnpooledDirectByteBuf implements ShardMessage {
    private final Shard home;
    private final TransportCounters counters;
    private Packet packet;

    PacketByteBuf(ByteBufAllocator alloc, Shard home, TransportCounters counters, Packet packet, ByteBuffer view) {
        // Capacity fixed at the fragment's length: a write that needs more makes the caller copy.
        super(alloc, view, view.remaining());
        this.home = home;
        this.counters = counters;
        this.packet = packet;
    }

    /** A view of the packet's single fragment. */
    static PacketByteBuf over(ByteBufAllocator alloc, Shard home, TransportCounters counters, Packet p) {
        ByteBuffer view = BufferViews.of(p.fragmentBuffer(0), p.fragmentOffset(0), p.fragmentLength(0));
        return new PacketByteBuf(alloc, home, counters, p, view);
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
