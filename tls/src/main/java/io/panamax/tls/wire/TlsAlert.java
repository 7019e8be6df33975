package io.panamax.tls.wire;

/**
 * Alert records (RFC 8446 §6, RFC 5246 §7.2) that a connection sends itself, in the clear, when it
 * refuses a client's first flight before the {@code SSLEngine} has seen it: the engine sends every
 * other alert. Only valid while no keys are in use (before any ServerHello was sent).
 */
public final class TlsAlert {
    /** AlertLevel.fatal. */
    public static final int FATAL = 2;

    /** AlertDescription values used here (RFC 8446 §6, RFC 7507 §2). */
    public static final int UNEXPECTED_MESSAGE = 10;
    public static final int RECORD_OVERFLOW = 22;
    public static final int DECODE_ERROR = 50;
    public static final int PROTOCOL_VERSION = 70;
    public static final int INAPPROPRIATE_FALLBACK = 86;

    private TlsAlert() {
    }

    /**
     * A plaintext record holding one fatal alert: type alert (21), version 0x0303, length 2,
     * level fatal, {@code description}.
     */
    public static byte[] plaintextFatal(int description) {
        return new byte[] {
                (byte) TlsRecordHeader.ALERT, 3, 3, 0, 2, (byte) FATAL, (byte) description
        };
    }
}
