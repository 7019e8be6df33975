package io.panamax.nic.pcap;

import io.panamax.nic.NicQueue;
import io.panamax.nic.QueueStats;
import io.panamax.reactor.Clock;
import io.panamax.reactor.Shard;
import io.panamax.reactor.Timer;
import io.panamax.reactor.buffer.Packet;
import io.panamax.reactor.buffer.PacketPool;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/** The one queue pair of a {@link PcapNic}: receive reads the input file, transmit writes the output file. */
final class PcapQueue implements NicQueue {
    private static final System.Logger LOG = System.getLogger("io.panamax.nic.pcap");
    private static final Runnable WAKE_ONLY = () -> { };

    private final PcapNic nic;
    private final CaptureFileReader reader;
    private final CaptureFileWriter writer;
    private final PcapNic.Pacing pacing;
    private final double speed;
    private final boolean loop;
    private final QueueStats stats = new QueueStats();
    private final CompletableFuture<ReplayEnd> end = new CompletableFuture<>();

    private PacketPool pool;
    private Clock clock = Clock.system();
    private Timer wakeup;
    /** A record has been read and waits to be delivered. */
    private boolean pending;
    private boolean done;
    private long delivered;
    private long passes;
    private long framesThisPass;
    private long cut;
    private long dropped;
    /** Recorded pacing: frame timestamps are measured from {@code baseTimestamp}, delivery times from {@code baseTime}. */
    private boolean paced;
    private long baseTimestamp;
    private long baseTime;
    private long lastDue;
    private boolean writeFailed;

    PcapQueue(PcapNic nic, CaptureFileReader reader, CaptureFileWriter writer, PcapNic.Pacing pacing, double speed,
              boolean loop) {
        this.nic = nic;
        this.reader = reader;
        this.writer = writer;
        this.pacing = pacing;
        this.speed = speed;
        this.loop = loop;
        if (reader == null) {
            done = true;
            end.complete(new ReplayEnd(0, 0, 0, 0, null));
        }
    }

    @Override
    public int id() {
        return 0;
    }

    CompletableFuture<ReplayEnd> endOfInput() {
        return end;
    }

    @Override
    public void attach(PacketPool packets) {
        Shard shard = packets.owner();
        if (shard != null) {
            clock = shard.clock();
            if (shard.isCurrent()) {
                wakeup = shard.timers().newTimer(WAKE_ONLY);
            }
        }
        this.pool = packets;
    }

    @Override
    public int receive(Packet[] out, int max) {
        if (pool == null) {
            throw new IllegalStateException(nic.name() + ": attach() before receive()");
        }
        if (done) {
            return 0;
        }
        long now = clock.nanoTime();
        int n = 0;
        while (n < max) {
            if (!pending && !nextRecord()) {
                break;
            }
            pending = true;
            if (reader.linkType() != LinkTypes.ETHERNET) {
                finish(reader.error(reader.recordOffset(), "frame " + reader.recordIndex() + " has link type "
                        + LinkTypes.describe(reader.linkType()) + ": PcapNic replays Ethernet (link type 1) only"));
                break;
            }
            if (pacing == PcapNic.Pacing.RECORDED) {
                long due = dueTime(now);
                if (due > now) {
                    if (wakeup != null && (!wakeup.isArmed() || wakeup.deadline() != due)) {
                        wakeup.armAt(due);
                    }
                    break;
                }
            }
            Packet p = copyRecord();
            if (p == null) {
                if (pacing == PcapNic.Pacing.ASAP) {
                    break;
                }
                stats.rxDrops.increment();
                dropped++;
                pending = false;
                continue;
            }
            pending = false;
            out[n++] = p;
        }
        return n;
    }

    /** Reads the next record, starting a new pass at the end when looping; false when the input is done. */
    private boolean nextRecord() {
        try {
            if (reader.next()) {
                framesThisPass++;
                return true;
            }
            passes++;
            if (loop && framesThisPass > 0) {
                reader.rewind();
                framesThisPass = 0;
                paced = false;
                baseTime = lastDue;
                if (reader.next()) {
                    framesThisPass++;
                    return true;
                }
            }
            finish(null);
        } catch (PcapFormatException e) {
            finish(e);
        }
        return false;
    }

    private long dueTime(long now) {
        long ts = reader.timestampNanos();
        if (!paced) {
            paced = true;
            baseTimestamp = ts;
            if (passes == 0) {
                baseTime = now;
            }
        }
        long due = baseTime + (long) ((ts - baseTimestamp) / speed);
        lastDue = Math.max(lastDue, due);
        return due;
    }

    private Packet copyRecord() {
        Packet p = pool.allocateWithHeadroom();
        if (p == null) {
            return null;
        }
        int length = reader.capturedLength();
        if (p.appendBytes(reader.bytes(), reader.dataOffset(), length) < length) {
            p.release();
            return null;
        }
        if (length < reader.originalLength()) {
            cut++;
        }
        delivered++;
        stats.rxPackets.increment();
        stats.rxBytes.add(length);
        return p;
    }

    private void finish(PcapFormatException error) {
        done = true;
        pending = false;
        if (error != null) {
            stats.rxErrors.increment();
            LOG.log(System.Logger.Level.WARNING, nic.name() + ": input stopped after " + delivered + " frame(s): "
                    + error.getMessage());
        }
        end.complete(new ReplayEnd(delivered, passes, cut, dropped, error));
    }

    @Override
    public int transmit(Packet[] packets, int count) {
        for (int i = 0; i < count; i++) {
            Packet p = packets[i];
            int length = p.length();
            if (writer != null) {
                try {
                    writer.write(WallClock.nanos(), p, CaptureFileWriter.MAX_SNAPLEN, 0, CaptureFileWriter.DIRECTION_OUTBOUND);
                } catch (IOException e) {
                    stats.txErrors.increment();
                    if (!writeFailed) {
                        writeFailed = true;
                        LOG.log(System.Logger.Level.ERROR, nic.name() + ": cannot write " + writer.file(), e);
                    }
                    p.release();
                    continue;
                }
            }
            stats.txPackets.increment();
            stats.txBytes.add(length);
            p.release();
        }
        return count;
    }

    @Override
    public QueueStats stats() {
        return stats;
    }
}
