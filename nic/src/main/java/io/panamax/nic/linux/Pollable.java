package io.panamax.nic.linux;

/**
 * Something backed by a file descriptor that {@code poll(2)} reports readable when it has work:
 * a TAP queue (a frame waits), an {@link EventFd} (another thread asked for a wake-up). A shard
 * that parks can wait on all of its pollables at once with a {@link PollSet} instead of sleeping
 * blind.
 */
public interface Pollable {

    /** The file descriptor to wait on for readability; -1 once closed. */
    int fileDescriptor();
}
