package io.panamax.tls;

import io.panamax.reactor.metrics.Counter;
import io.panamax.reactor.metrics.DropCounters;
import io.panamax.reactor.metrics.Histogram;
import io.panamax.reactor.metrics.ShardMetrics;

/**
 * A shard's TLS counters, in the shard's metrics (so they are summed over shards when read and
 * exported with the rest). Registered by name: every context on a shard shares them.
 */
public final class TlsCounters {
    /** Handshakes that completed, per role. */
    public final Counter serverHandshakes;
    public final Counter clientHandshakes;
    /** Failed handshakes by reason. */
    public final DropCounters<TlsHandshakeFailure> handshakeFailures;
    /** Established connections that failed, by reason. */
    public final DropCounters<TlsStreamError> errors;
    /** How long handshakes took, from the first byte to the Finished messages. */
    public final Histogram handshakeNanos;
    public final Counter closeNotifySent;
    public final Counter closeNotifyReceived;
    public final Counter recordsReceived;
    public final Counter recordsSent;
    public final Counter plaintextBytesReceived;
    public final Counter plaintextBytesSent;
    /** Delegated tasks run off the shard (or on it, if so configured) and their duration. */
    public final Counter delegatedTasks;
    public final Histogram delegatedTaskNanos;
    /** Decryptions put off because the shard's packet buffers ran out. */
    public final Counter bufferWaits;

    TlsCounters(ShardMetrics m) {
        serverHandshakes = m.counter("tls_handshakes_total", "TLS handshakes completed", "role", "server");
        clientHandshakes = m.counter("tls_handshakes_total", "TLS handshakes completed", "role", "client");
        handshakeFailures = new DropCounters<>(m, "tls_handshake_failures_total", "TLS handshakes that failed, by reason",
                TlsHandshakeFailure.class);
        errors = new DropCounters<>(m, "tls_errors_total", "Established TLS connections that failed, by reason",
                TlsStreamError.class);
        handshakeNanos = m.histogram("tls_handshake_nanoseconds", "Duration of completed TLS handshakes");
        closeNotifySent = m.counter("tls_close_notify_sent_total", "close_notify alerts sent");
        closeNotifyReceived = m.counter("tls_close_notify_received_total", "close_notify alerts received");
        recordsReceived = m.counter("tls_records_received_total", "TLS records received and decrypted");
        recordsSent = m.counter("tls_records_sent_total", "TLS records encrypted and sent (flights count once)");
        plaintextBytesReceived = m.counter("tls_plaintext_bytes_received_total", "Application bytes decrypted");
        plaintextBytesSent = m.counter("tls_plaintext_bytes_sent_total", "Application bytes encrypted");
        delegatedTasks = m.counter("tls_delegated_tasks_total", "SSLEngine delegated tasks (handshake crypto) run");
        delegatedTaskNanos = m.histogram("tls_delegated_task_nanoseconds", "Duration of SSLEngine delegated tasks");
        bufferWaits = m.counter("tls_buffer_waits_total", "Decryptions put off for lack of packet buffers");
    }
}
