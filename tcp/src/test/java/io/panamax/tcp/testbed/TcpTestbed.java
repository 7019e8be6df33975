package io.panamax.tcp.testbed;

import io.panamax.reactor.Reactor;
import io.panamax.tcp.Tcp;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Two TCP endpoints that reach each other over some network: what the stack-to-stack scenarios
 * ({@link BulkTransfer}) run on. {@link LinkTestbed} joins two {@link Tcp}s through an in-test
 * IP link with impairments; the stack can implement this over the in-memory wire NIC or over the
 * Linux kernel through TAP and run the same scenarios unchanged.
 */
public interface TcpTestbed extends AutoCloseable {

    /** The reactor the endpoints run on (manual or threaded). */
    Reactor reactor();

    /** The shard of the client endpoint. */
    int clientShard();

    /** The client's TCP; touch it only on {@link #clientShard()}. */
    Tcp client();

    /** The shard of the server endpoint. */
    int serverShard();

    /** The server's TCP; touch it only on {@link #serverShard()}. */
    Tcp server();

    /** The address clients connect to. */
    int serverAddress();

    /** The address clients connect to, of either family: {@link #serverAddress()} unless the testbed runs over IPv6. */
    default java.net.InetAddress serverInetAddress() {
        return io.panamax.ip.Ipv4Address.toInetAddress(serverAddress());
    }

    /** Waits for {@code f}, driving a manual reactor (virtual time may jump). */
    default <T> T await(CompletableFuture<T> f, Duration limit) {
        return reactor().await(f, limit);
    }

    /** Shuts both endpoints down and checks that no buffer leaked. */
    @Override
    void close();
}
