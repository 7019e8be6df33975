package io.panamax.tcp;

/** When a listener answers a SYN with a SYN cookie instead of a half-open connection (RFC 4987 3.6). */
public enum SynCookieMode {
    /** Never: a SYN beyond the SYN queue is dropped (and the client retries after its RTO). */
    OFF,
    /** When the listener's SYN queue is full (Linux's tcp_syncookies=1, the default). */
    WHEN_FULL,
    /** For every SYN (Linux's tcp_syncookies=2; for tests and for hosts that are always under attack). */
    ALWAYS
}
