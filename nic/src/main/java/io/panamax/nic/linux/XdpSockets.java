package io.panamax.nic.linux;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

/**
 * The process's open AF_XDP sockets, found by descriptor: every entry of {@code /proc/self/fd}
 * that is a socket ({@code socket:[inode]}) whose {@code SO_DOMAIN} is {@code AF_XDP}.
 *
 * <p>Why: DPDK's net_af_xdp driver opens one AF_XDP socket per queue and keeps it to itself, but
 * the descriptor lives in this process, and {@code poll(2)} on an AF_XDP socket reports
 * {@code POLLIN} while its RX ring holds a frame (the kernel's {@code xsk_poll}; the kernel wakes
 * pollers when it fills the ring). Comparing the set before and after the driver creates a queue's
 * socket finds that queue's descriptor, so an idle shard can sleep on it
 * ({@link io.panamax.nic.NicQueue#readyDescriptor()}). Control path only: it lists a directory.
 */
public final class XdpSockets {
    private XdpSockets() {
    }

    /** The descriptors of the process's AF_XDP sockets now, in ascending order. */
    public static Set<Integer> open() {
        Set<Integer> found = new TreeSet<>();
        try (Arena arena = Arena.ofConfined();
             DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            MemorySegment errno = arena.allocate(Errno.LAYOUT);
            MemorySegment value = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment length = arena.allocate(ValueLayout.JAVA_INT);
            for (Path entry : fds) {
                int fd;
                try {
                    fd = Integer.parseInt(entry.getFileName().toString());
                    if (!Files.readSymbolicLink(entry).toString().startsWith("socket:")) {
                        continue;
                    }
                } catch (NumberFormatException | IOException e) {
                    continue; // closed since the listing (or the listing's own descriptor)
                }
                length.set(ValueLayout.JAVA_INT, 0, 4);
                if (Libc.getsockopt(errno, fd, Libc.SOL_SOCKET, Libc.SO_DOMAIN, value.address(), length.address()) == 0
                        && value.get(ValueLayout.JAVA_INT, 0) == Libc.AF_XDP) {
                    found.add(fd);
                }
            }
        } catch (IOException e) {
            // No /proc: no descriptor to offer; the caller's shards then park blind.
        }
        return found;
    }

    /** The descriptors in {@code after} that were not in {@code before}. */
    public static Set<Integer> added(Set<Integer> before, Set<Integer> after) {
        Set<Integer> added = new TreeSet<>(after);
        added.removeAll(before);
        return added;
    }
}
