package io.panamax.tls;

import io.panamax.tls.wire.TlsAlert;
import io.panamax.tls.wire.TlsRecordHeader;

import javax.net.ssl.SSLException;

/**
 * Why one {@link TlsConnection} fails: each cause the record layer, the handshake driver or TCP
 * reports is counted on the shard ({@link TlsCounters}) under its reason, turned into the
 * exception the application sees ({@link TlsHandshakeException} while handshaking,
 * {@link TlsStreamException} after), and handed to {@link TlsClosing} with the teardown it calls
 * for: {@link TlsClosing.Teardown#GRACEFUL} when the engine has an alert to send,
 * {@link TlsClosing.Teardown#RESET} when no alert can be sent under the session's keys.
 */
final class TlsFailures {
    private static final System.Logger LOG = System.getLogger("io.panamax.tls");

    private final TlsConnection conn;
    private final TlsCounters counters;

    TlsFailures(TlsConnection conn, TlsCounters counters) {
        this.conn = conn;
        this.counters = counters;
    }

    /** TCP failed under the connection (reset, timeout): during the handshake that is CONNECTION_LOST. */
    void tcpFailed(Throwable e) {
        TlsClosing closing = conn.closing;
        if (closing.isFinished()) {
            return;
        }
        if (closing.failure() != null) {
            closing.finishTcp();
            return;
        }
        if (!conn.handshake.isDone()) {
            counters.handshakeFailures.count(TlsHandshakeFailure.CONNECTION_LOST);
            TlsHandshakeException h = new TlsHandshakeException(TlsHandshakeFailure.CONNECTION_LOST,
                    "TLS handshake with " + conn.peer() + " failed: " + e.getMessage(), e);
            closing.fail(h, TlsClosing.Teardown.TCP_GONE);
            return;
        }
        closing.fail(e, TlsClosing.Teardown.TCP_GONE); // a TCP failure (reset, timeout) passes through as it is
    }

    /** The peer's FIN with no complete record left to decrypt, and no close_notify before it. */
    void endOfStream() {
        int partial = conn.records.undecrypted();
        if (!conn.handshake.isDone()) {
            counters.handshakeFailures.count(TlsHandshakeFailure.TRUNCATED_HANDSHAKE);
            conn.closing.fail(new TlsHandshakeException(TlsHandshakeFailure.TRUNCATED_HANDSHAKE, "TLS handshake with "
                    + conn.peer() + " failed: the peer closed the connection during the handshake"
                    + (partial > 0 ? " (" + partial + " bytes of an incomplete record)" : ""), null),
                    TlsClosing.Teardown.GRACEFUL);
        } else {
            counters.errors.count(TlsStreamError.TRUNCATION);
            conn.closing.fail(new TlsTruncationException("the TLS stream from " + conn.peer() + " ended without close_notify"
                    + (partial > 0 ? ", inside a record (" + partial + " bytes of it)" : "")
                    + ": the data may have been truncated (RFC 8446 §6.1)"), TlsClosing.Teardown.GRACEFUL);
        }
    }

    /** A record header that is not TLS, too long, or empty where that is not allowed. */
    void badRecord(TlsRecordHeader.Verdict v, int type, int major, int minor, int len) {
        String what = switch (v) {
            case BAD_CONTENT_TYPE -> "not a TLS record: content type " + type + printable(type);
            case BAD_VERSION -> String.format("not a TLS record: record version 0x%02x%02x", major, Math.max(minor, 0));
            case OVERSIZED -> "a " + len + "-byte record, more than the 2^14 + 2048 any TLS version allows (RFC 8446 §5.2)";
            default -> "a zero-length " + TlsRecordHeader.contentTypeName(type) + " record (RFC 8446 §5.1)";
        };
        if (!conn.handshake.isDone()) {
            TlsHandshakeFailure reason = switch (v) {
                case OVERSIZED -> TlsHandshakeFailure.OVERSIZED_RECORD;
                case EMPTY_FRAGMENT -> TlsHandshakeFailure.PROTOCOL_ERROR;
                default -> TlsHandshakeFailure.NOT_TLS;
            };
            int alert = switch (v) {
                case OVERSIZED -> TlsAlert.RECORD_OVERFLOW;
                case EMPTY_FRAGMENT -> TlsAlert.UNEXPECTED_MESSAGE;
                default -> TlsAlert.DECODE_ERROR;
            };
            conn.handshake.refuseFirstFlight(reason, alert, what);
            return;
        }
        TlsStreamError reason = switch (v) {
            case OVERSIZED -> TlsStreamError.OVERSIZED_RECORD;
            case EMPTY_FRAGMENT -> TlsStreamError.PROTOCOL_ERROR;
            default -> TlsStreamError.NOT_TLS;
        };
        counters.errors.count(reason);
        // The engine offers no way to send a chosen alert under the session's keys: reset.
        conn.closing.fail(new TlsStreamException(reason, "TLS connection with " + conn.peer() + " failed: " + what, null),
                TlsClosing.Teardown.RESET);
    }

    private static String printable(int b) {
        return b >= 0x20 && b < 0x7f ? " ('" + (char) b + "')" : "";
    }

    /** The engine threw: count it under its reason and end the connection (the engine's alert goes out). */
    void engineFailed(SSLException e) {
        if (conn.closing.failure() != null) {
            return;
        }
        if (!conn.handshake.isDone()) {
            TlsHandshakeFailure reason = conn.handshake.reasonFor(e);
            counters.handshakeFailures.count(reason);
            conn.closing.fail(new TlsHandshakeException(reason, "TLS handshake with " + conn.peer() + " failed: "
                    + e.getMessage(), e), TlsClosing.Teardown.GRACEFUL);
        } else {
            TlsStreamError reason = FailureClassifier.stream(e);
            counters.errors.count(reason);
            conn.closing.fail(new TlsStreamException(reason, "TLS connection with " + conn.peer() + " failed: "
                    + e.getMessage(), e), TlsClosing.Teardown.GRACEFUL);
        }
    }

    /** The engine answered what no TLS engine should (a status that makes no progress): reset. */
    void protocolError(String what) {
        resetFor(TlsHandshakeFailure.PROTOCOL_ERROR, TlsStreamError.PROTOCOL_ERROR, what);
    }

    /** Packet buffers or the delegated-task executor ran out: reset. */
    void resourcesExhausted(String what) {
        resetFor(TlsHandshakeFailure.RESOURCES, TlsStreamError.RESOURCES, what);
    }

    /** The engine threw something other than an {@link SSLException}: logged, then a protocol error. */
    void internalError(Throwable e) {
        LOG.log(System.Logger.Level.ERROR, "TLS engine failure on " + conn, e);
        protocolError("TLS engine failure on " + conn + ": " + e);
    }

    private void resetFor(TlsHandshakeFailure duringHandshake, TlsStreamError after, String what) {
        if (!conn.handshake.isDone()) {
            counters.handshakeFailures.count(duringHandshake);
            conn.closing.fail(new TlsHandshakeException(duringHandshake, what, null), TlsClosing.Teardown.RESET);
        } else {
            counters.errors.count(after);
            conn.closing.fail(new TlsStreamException(after, what, null), TlsClosing.Teardown.RESET);
        }
    }
}
