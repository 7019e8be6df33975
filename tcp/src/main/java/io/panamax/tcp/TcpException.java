package io.panamax.tcp;

import java.io.IOException;

/**
 * Why a TCP operation failed. Futures of the connection API fail with one of the subclasses when
 * the cause is known: {@link ConnectionRefusedException}, {@link ConnectionResetException},
 * {@link ConnectionTimeoutException}, {@link ConnectionAbortedException},
 * {@link UnreachableException}. Thrown often on hot error paths, so no stack trace is filled in
 * unless the stack runs with {@code -Dpanamax.debug=true}.
 */
public class TcpException extends IOException {
    private static final boolean DEBUG = Boolean.getBoolean("panamax.debug");

    /** An error with a message that says what failed, for which peer. */
    public TcpException(String message) {
        super(message);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return DEBUG ? super.fillInStackTrace() : this;
    }
}
