package io.panamax.ip;

import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.Promise;
import io.panamax.reactor.ReadBuffer;
import io.panamax.reactor.Shard;
import io.panamax.reactor.buffer.Packet;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Objects;

/**
 * A UDP port bound on one shard. Datagrams reach it either through a {@link UdpHandler} given at
 * bind time (no allocation per datagram) or through {@link #receive()} futures, queued up to the
 * receive-queue bound (beyond it datagrams are dropped and counted, as a full socket buffer would).
 */
public final class UdpSocket {
    private final Udp udp;
    private final int port;
    private final UdpHandler handler;
    private final int queueLimit;
    private final ArrayDeque<UdpDatagram> queued = new ArrayDeque<>();
    private final ArrayDeque<Promise<UdpDatagram>> waiting = new ArrayDeque<>();
    private boolean closed;

    UdpSocket(Udp udp, int port, UdpHandler handler, int queueLimit) {
        this.udp = udp;
        this.port = port;
        this.handler = handler;
        this.queueLimit = queueLimit;
    }

    public int localPort() {
        return port;
    }

    /**
     * The next datagram; fails with {@link IllegalStateException} once the socket is closed, or at
     * once if it was bound with a handler (which receives everything).
     */
    public ShardFuture<UdpDatagram> receive() {
        if (handler != null) {
            return ShardFuture.failed(new IllegalStateException("port " + port + " delivers to its handler, not to receive()"));
        }
        UdpDatagram d = queued.pollFirst();
        if (d != null) {
            return ShardFuture.succeeded(d);
        }
        if (closed) {
            return ShardFuture.failed(new IllegalStateException("socket on port " + port + " is closed"));
        }
        Promise<UdpDatagram> p = new Promise<>();
        waiting.addLast(p);
        return p;
    }

    /**
     * Sends {@code payload} to {@code dstIp:dstPort} from this port; takes ownership (a received
     * buffer goes out without a copy; any other {@link ReadBuffer} is copied). Returns false if the
     * datagram was dropped at once (counted by the IP layer).
     */
    public boolean send(int dstIp, int dstPort, ReadBuffer payload) {
        udp.checkOwner("UdpSocket.send");
        if (closed) {
            payload.release();
            throw new IllegalStateException("socket on port " + port + " is closed");
        }
        Packet p = Packet.of(payload, Shard.current().packets()); // checkOwner: this is the socket's shard
        return p != null && udp.send(port, dstIp, dstPort, p);
    }

    /**
     * Sends {@code payload} to {@code [dstHigh:dstLow]:dstPort} over IPv6 from this port (the
     * address as two 64-bit halves, as {@link UdpHandler#onDatagram6} gives it); takes ownership.
     * Throws {@link IllegalStateException} when the stack has no IPv6.
     */
    public boolean send6(long dstHigh, long dstLow, int dstPort, ReadBuffer payload) {
        udp.checkOwner("UdpSocket.send6");
        if (closed) {
            payload.release();
            throw new IllegalStateException("socket on port " + port + " is closed");
        }
        Packet p = Packet.of(payload, Shard.current().packets()); // checkOwner: this is the socket's shard
        return p != null && udp.send6(port, dstHigh, dstLow, dstPort, p);
    }

    /** Sends {@code payload} to {@code destination}, IPv4 or IPv6 (an {@link InetSocketAddress} with its address resolved); takes ownership. */
    public boolean send(InetSocketAddress destination, ReadBuffer payload) {
        InetAddress a = destination.getAddress();
        if (a instanceof Inet4Address v4) {
            return send(Ipv4Address.fromBytes(v4.getAddress()), destination.getPort(), payload);
        }
        if (a instanceof Inet6Address v6) {
            long[] hl = Ipv6Address.of(v6);
            return send6(hl[0], hl[1], destination.getPort(), payload);
        }
        payload.release();
        throw new IllegalArgumentException("unresolved destination: " + destination);
    }

    /**
     * Copies {@code data} into a packet buffer of this shard and sends it to {@code destination}
     * (IPv4 or IPv6, resolved). The copying forms below are for data that lives on the heap; a
     * datagram built in a buffer of the stack ({@code shard.packets().allocateWithHeadroom()}, or
     * one received) goes out without a copy through {@link #send(InetSocketAddress, ReadBuffer)}.
     * Returns false if the datagram was dropped at once: the shard's packet buffers ran out, or the
     * IP layer dropped it (counted there).
     */
    public boolean send(InetSocketAddress destination, MemorySegment data) {
        udp.checkOwner("UdpSocket.send");
        int len = Math.toIntExact(data.byteSize());
        Packet p = Shard.current().packets().allocateWithHeadroom();
        if (p == null) {
            return false;
        }
        if (p.appendBytes(data, 0, len) < len) {
            p.release();
            return false;
        }
        return send(destination, p);
    }

    /** Copies {@code len} bytes of {@code data} from {@code offset} and sends them (see {@link #send(InetSocketAddress, MemorySegment)}). */
    public boolean send(InetSocketAddress destination, byte[] data, int offset, int len) {
        Objects.checkFromIndexSize(offset, len, data.length);
        return send(destination, MemorySegment.ofArray(data).asSlice(offset, len));
    }

    /** Copies {@code data} and sends it (see {@link #send(InetSocketAddress, MemorySegment)}). */
    public boolean send(InetSocketAddress destination, byte[] data) {
        return send(destination, data, 0, data.length);
    }

    /**
     * Copies the remaining bytes of {@code data} and sends them (see
     * {@link #send(InetSocketAddress, MemorySegment)}); its position moves to its limit, as a
     * channel's {@code send} does.
     */
    public boolean send(InetSocketAddress destination, ByteBuffer data) {
        boolean sent = send(destination, MemorySegment.ofBuffer(data));
        data.position(data.limit());
        return sent;
    }

    /** Unbinds the port; queued datagrams are released and waiting receives fail. */
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        udp.unbind(this);
        UdpDatagram d;
        while ((d = queued.pollFirst()) != null) {
            d.payload().release();
        }
        Promise<UdpDatagram> p;
        while ((p = waiting.pollFirst()) != null) {
            p.fail(new IllegalStateException("socket on port " + port + " closed"));
        }
    }

    public boolean isClosed() {
        return closed;
    }

    /** Delivery over IPv6 from {@link Udp}; returns false when the receive queue is full. */
    boolean deliver6(long srcHigh, long srcLow, int srcPort, Packet payload) {
        if (handler != null) {
            handler.onDatagram6(this, srcHigh, srcLow, srcPort, payload);
            return true;
        }
        if (waiting.isEmpty() && queued.size() >= queueLimit) {
            return false;
        }
        UdpDatagram d = new UdpDatagram(0, srcPort, payload, Ipv6Address.toInetAddress(srcHigh, srcLow));
        Promise<UdpDatagram> p = waiting.pollFirst();
        if (p != null) {
            p.complete(d);
        } else {
            queued.addLast(d);
        }
        return true;
    }

    /** Delivery from {@link Udp}; returns false when the receive queue is full. */
    boolean deliver(int srcIp, int srcPort, Packet payload) {
        if (handler != null) {
            handler.onDatagram(this, srcIp, srcPort, payload);
            return true;
        }
        Promise<UdpDatagram> p = waiting.pollFirst();
        if (p != null) {
            p.complete(new UdpDatagram(srcIp, srcPort, payload));
            return true;
        }
        if (queued.size() >= queueLimit) {
            return false;
        }
        queued.addLast(new UdpDatagram(srcIp, srcPort, payload));
        return true;
    }
}
