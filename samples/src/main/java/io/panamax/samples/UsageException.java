package io.panamax.samples;

/** A bad command line: the launcher prints the message on one line and exits with status 2. */
public final class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
