package io.panamax.stack;

import io.panamax.ip.dhcp.DhcpLease;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The DHCP lease kept in a file across restarts ({@code Stack.Builder.dhcpLeaseFile}): read at
 * start, so that the client asks for the same address first (INIT-REBOOT, RFC 2131 §3.2); written
 * on every lease and renewal, removed when the lease is lost (NAK, expiry, decline). It stays
 * after the DHCPRELEASE of a stop: the server is asked for the address again at the next start,
 * and ACKs it while it is free. The files are written off the shards, in order, by one virtual
 * thread (a shard must not block on a disk), each one whole (a temporary file moved over it).
 */
final class LeaseFile implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("io.panamax.stack");

    private final Path path;
    private final ExecutorService writer = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("panamax-dhcp-lease").factory());

    LeaseFile(Path path) {
        this.path = path;
    }

    /** The lease in {@code path}, or null when there is none or it cannot be read (logged). */
    static DhcpLease read(Path path) {
        if (!Files.exists(path)) {
            return null;
        }
        try {
            return DhcpLease.parse(Files.readString(path));
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "ignoring the DHCP lease file " + path + ": " + e.getMessage());
            return null;
        }
    }

    /** Writes {@code lease}, replacing what the file held. Any thread. */
    void save(DhcpLease lease) {
        String text = lease.toText();
        writer.execute(() -> {
            try {
                Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
                Files.writeString(tmp, text);
                Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "could not write the DHCP lease to " + path + ": " + e.getMessage());
            }
        });
    }

    /** Removes the file: the lease it held is no longer ours. Any thread. */
    void delete() {
        writer.execute(() -> {
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "could not remove the DHCP lease file " + path + ": " + e.getMessage());
            }
        });
    }

    /** Waits (up to 5 s) for what is queued to reach the disk. */
    @Override
    public void close() {
        writer.shutdown();
        try {
            writer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
