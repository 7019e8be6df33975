package io.panamax.http;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * The value of the Date field (RFC 9110 §6.6.1: an origin server with a clock MUST send it), in
 * the IMF-fixdate format of §5.6.7, formatted once a second and reused in between. One per shard.
 */
final class HttpDate {
    private static final DateTimeFormatter IMF_FIXDATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    private final LongSupplier millis;
    private long second = Long.MIN_VALUE;
    private byte[] value;

    HttpDate() {
        this(System::currentTimeMillis);
    }

    HttpDate(LongSupplier millis) {
        this.millis = millis;
    }

    /** The current date as field-value bytes, e.g. {@code Sun, 06 Nov 1994 08:49:37 GMT}. */
    byte[] now() {
        long s = Math.floorDiv(millis.getAsLong(), 1000L);
        if (s != second) {
            second = s;
            value = IMF_FIXDATE.format(Instant.ofEpochSecond(s)).getBytes(StandardCharsets.US_ASCII);
        }
        return value;
    }
}
