package io.panamax.http;

/** What the request's Expect field asks (RFC 9110 §10.1.1). */
public enum Expectation {
    /** No Expect field. */
    NONE,
    /** {@code Expect: 100-continue}: the client waits for a 100 (Continue) before sending content. */
    CONTINUE,
    /** Any other expectation: the server answers 417 (Expectation Failed). */
    UNSUPPORTED
}
