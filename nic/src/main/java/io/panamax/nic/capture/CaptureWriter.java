package io.panamax.nic.capture;

import io.panamax.nic.pcap.CaptureFileWriter;
import io.panamax.reactor.metrics.Counter;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * The thread that drains every queue's {@link CaptureRing} into the capture file, so that no shard
 * ever waits for the disk. It polls the rings and sleeps a millisecond when they are empty (the
 * shards never wake it: that would cost them a system call), flushes the file at least every
 * {@value #FLUSH_MILLIS} ms while frames come, and enforces the size limit.
 */
final class CaptureWriter implements Runnable {
    private static final System.Logger LOG = System.getLogger("io.panamax.nic.capture");
    private static final long IDLE_PARK_NANOS = 1_000_000;
    static final long FLUSH_MILLIS = 200;

    private final CapturingNic nic;
    private final CaptureConfig config;
    private final CaptureRing[] rings;
    private final List<String> interfaces;
    private final Thread thread;
    final Counter written = new Counter();
    final Counter droppedAtLimit = new Counter();
    private CaptureFileWriter file;
    private int fileIndex;
    private volatile int files;
    private volatile boolean stopped;
    private volatile boolean running = true;
    private volatile IOException failure;

    CaptureWriter(CapturingNic nic, CaptureConfig config, CaptureRing[] rings, List<String> interfaces) throws IOException {
        this.nic = nic;
        this.config = config;
        this.rings = rings;
        this.interfaces = interfaces;
        this.file = open(0);
        this.files = 1;
        this.thread = Thread.ofPlatform().daemon().name("panamax-capture-" + nic.name()).unstarted(this);
    }

    void start() {
        thread.start();
    }

    /** The {@code index}-th file: the configured name, then {@code name.1.ext}, {@code name.2.ext}, ... */
    static Path fileFor(Path first, int index) {
        if (index == 0) {
            return first;
        }
        String name = first.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String numbered = dot > 0 ? name.substring(0, dot) + "." + index + name.substring(dot) : name + "." + index;
        return first.resolveSibling(numbered);
    }

    private CaptureFileWriter open(int index) throws IOException {
        return CaptureFileWriter.create(fileFor(config.file(), index), config.format(), interfaces, config.snaplen());
    }

    @Override
    public void run() {
        long lastFlush = System.nanoTime();
        boolean dirty = false;
        while (true) {
            // Read the flag before draining: records published before close() are all seen.
            boolean closing = !running;
            int n = 0;
            for (CaptureRing ring : rings) {
                n += drain(ring);
            }
            dirty |= n > 0;
            long now = System.nanoTime();
            if (dirty && (n == 0 || now - lastFlush > FLUSH_MILLIS * 1_000_000)) {
                flush();
                dirty = false;
                lastFlush = now;
            }
            if (n == 0) {
                if (closing) {
                    break;
                }
                LockSupport.parkNanos(this, IDLE_PARK_NANOS);
            }
        }
        try {
            file.close();
        } catch (IOException e) {
            fail(e);
        }
    }

    private int drain(CaptureRing ring) {
        long head = ring.head();
        long end = ring.published();
        if (head == end) {
            return 0;
        }
        MemorySegment m = ring.memory();
        int n = 0;
        while (head < end) {
            long at = ring.offset(head);
            if (CaptureRing.isFrame(m, at)) {
                write(m, at);
                n++;
            }
            head += CaptureRing.length(m, at);
        }
        ring.release(head);
        return n;
    }

    private void write(MemorySegment m, long at) {
        if (stopped) {
            droppedAtLimit.increment();
            return;
        }
        int captured = CaptureRing.capturedLength(m, at);
        int direction = CaptureRing.direction(m, at);
        try {
            if (config.maxFileBytes() > 0 && file.size() + file.recordSize(captured, direction) > config.maxFileBytes()) {
                if (config.sizeLimit() == CaptureConfig.SizeLimit.STOP) {
                    stop();
                    droppedAtLimit.increment();
                    return;
                }
                rotate();
            }
            file.write(CaptureRing.timestamp(m, at), m, at + CaptureRing.HEADER, captured,
                    CaptureRing.originalLength(m, at), CaptureRing.queue(m, at), direction);
            written.increment();
        } catch (IOException e) {
            fail(e);
            droppedAtLimit.increment();
        }
    }

    private void rotate() throws IOException {
        file.close();
        fileIndex++;
        if (config.maxFiles() > 0 && fileIndex >= config.maxFiles()) {
            Files.deleteIfExists(fileFor(config.file(), fileIndex - config.maxFiles()));
        }
        file = open(fileIndex);
        files = fileIndex + 1;
    }

    private void flush() {
        try {
            file.flush();
        } catch (IOException e) {
            fail(e);
        }
    }

    private void stop() {
        stopped = true;
        nic.setEnabled(false);
    }

    private void fail(IOException e) {
        if (failure == null) {
            failure = e;
            LOG.log(System.Logger.Level.ERROR, "capture of " + nic.name() + " stopped: cannot write "
                    + file.file(), e);
        }
        stop();
    }

    /** Writes what the rings hold, completes the file and ends the thread. */
    void close() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    IOException failure() {
        return failure;
    }

    boolean stopped() {
        return stopped;
    }

    int files() {
        return files;
    }

    /** The file being written now. */
    Path currentFile() {
        return fileFor(config.file(), files - 1);
    }
}
