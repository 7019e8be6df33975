package io.panamax.tcp;

import java.io.IOException;

/**
 * A per-ACK time series of one connection's sender: what Linux's {@code tcp:tcp_probe} tracepoint
 * gives for its sender (snd_una, snd_nxt, snd_cwnd, ssthresh, snd_wnd, srtt per ACK), with the
 * data in flight, the ACK's RTT sample and the recovery state added: the figures that tell a
 * small window from a long round trip (issue 13: under loss the stack's cwnd per ACK matched
 * the kernel's while its goodput was a third; the difference had to be in the round trip).
 *
 * <p>Opt-in per connection ({@link TcpConnection#recordAcks}), off by default. The records live in
 * one {@code long[]} allocated when recording starts: a ring that keeps the last
 * {@link #capacity()} ACKs; recording one is ten array stores, nothing allocated. Read it on the
 * connection's shard (when the connection ends, or whenever: {@link #writeCsv}).
 */
public final class AckProbe {
    /** Recovery state: no loss being repaired (Linux's TCP_CA_Open/Disorder). */
    public static final int OPEN = 0;
    /** In loss recovery (RFC 6675, NewReno): Linux's TCP_CA_Recovery. */
    public static final int RECOVERY = 1;
    /** Repairing after a retransmission timeout: Linux's TCP_CA_Loss. */
    public static final int LOSS = 2;

    /** The CSV header {@link #writeCsv} writes, one column per field of a record. */
    public static final String CSV_HEADER = "t_ns,snd_una,snd_nxt,cwnd,ssthresh,in_flight,snd_wnd,srtt_ns,rtt_sample_ns,state";
    private static final int FIELDS = 10;

    private final long[] records;
    private final int capacity;
    private long count;

    /**
     * @param capacity the ACKs kept (the last ones); a 100 MB transfer at 1 % loss processes
     *                 about 18,000 ACKs (80 bytes each here)
     */
    public AckProbe(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        this.capacity = capacity;
        this.records = new long[capacity * FIELDS];
    }

    /** Records one ACK, overwriting the oldest record once full. Sequence numbers as unsigned 32-bit values. */
    void record(long nanos, int sndUna, int sndNxt, int cwnd, int ssthresh, int inFlight, long sndWnd, long srttNanos,
                long rttSampleNanos, int state) {
        int i = (int) (count % capacity) * FIELDS;
        records[i] = nanos;
        records[i + 1] = Integer.toUnsignedLong(sndUna);
        records[i + 2] = Integer.toUnsignedLong(sndNxt);
        records[i + 3] = cwnd;
        records[i + 4] = ssthresh;
        records[i + 5] = inFlight;
        records[i + 6] = sndWnd;
        records[i + 7] = srttNanos;
        records[i + 8] = rttSampleNanos;
        records[i + 9] = state;
        count++;
    }

    /** ACKs recorded since recording started, those overwritten included. */
    public long count() {
        return count;
    }

    /** ACKs held: the last {@code min(count, capacity)}. */
    public int size() {
        return (int) Math.min(count, capacity);
    }

    public int capacity() {
        return capacity;
    }

    /** Field {@code field} (a column of {@link #CSV_HEADER}, from 0) of the {@code i}-th record held, oldest first. */
    public long get(int i, int field) {
        if (i < 0 || i >= size() || field < 0 || field >= FIELDS) {
            throw new IndexOutOfBoundsException("record " + i + " field " + field + " of " + size());
        }
        long first = count - size();
        return records[(int) ((first + i) % capacity) * FIELDS + field];
    }

    /**
     * Writes {@link #CSV_HEADER} and the records held, oldest first: times on the shard's clock
     * (nanoseconds), bytes for the windows and the flight, -1 for an ACK without an RTT sample
     * (a duplicate, or one covering retransmitted data).
     */
    public void writeCsv(Appendable out) throws IOException {
        out.append(CSV_HEADER).append('\n');
        StringBuilder line = new StringBuilder(128);
        for (int i = 0; i < size(); i++) {
            line.setLength(0);
            for (int f = 0; f < FIELDS; f++) {
                if (f > 0) {
                    line.append(',');
                }
                line.append(get(i, f));
            }
            out.append(line).append('\n');
        }
    }
}
