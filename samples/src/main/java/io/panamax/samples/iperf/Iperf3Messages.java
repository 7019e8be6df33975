package io.panamax.samples.iperf;

import io.panamax.reactor.ShardFuture;
import io.panamax.tcp.ConnectionAbortedException;
import io.panamax.tcp.Framing;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * The wire format of iperf3's control connection, as the iperf3 client (3.x) speaks it: a 37-byte
 * cookie (36 characters and a NUL) opens the control connection and each data connection; the
 * test advances by one signed byte per state (the values of {@code iperf_api.h}); parameters and
 * results travel as JSON preceded by their length, a 32-bit big-endian integer. Pure functions,
 * no I/O.
 */
final class Iperf3Messages {
    /** Bytes of the cookie that opens every connection of a test. */
    static final int COOKIE_SIZE = 37;
    /** Bytes of the length in front of a JSON message. */
    static final int JSON_LENGTH_SIZE = 4;
    /** The longest JSON message accepted (the client's results grow with its streams). */
    static final int MAX_JSON = 256 * 1024;
    /** iperf3's own limit on parallel streams ({@code MAX_STREAMS}). */
    static final int MAX_STREAMS = 128;

    static final byte TEST_START = 1;
    static final byte TEST_RUNNING = 2;
    static final byte TEST_END = 4;
    static final byte PARAM_EXCHANGE = 9;
    static final byte CREATE_STREAMS = 10;
    static final byte SERVER_TERMINATE = 11;
    static final byte CLIENT_TERMINATE = 12;
    static final byte EXCHANGE_RESULTS = 13;
    static final byte DISPLAY_RESULTS = 14;
    static final byte IPERF_DONE = 16;
    static final byte SERVER_ERROR = -2;

    /** iperf3's {@code IEUNIMP}: the client prints "an option you are trying to set is not implemented yet". */
    static final int IE_UNIMPLEMENTED = 13;

    private Iperf3Messages() {
    }

    /** The cookie's text (its 36 characters without the NUL), or null when it is not printable ASCII. */
    /** The next {@code n} bytes of a message; fails if the stream ends first. */
    static ShardFuture<byte[]> read(Framing in, int n) {
        return in.readExactly(n).then(b -> {
            byte[] a = b.toByteArray();
            b.release();
            return a.length == n ? ShardFuture.succeeded(a)
                    : ShardFuture.failed(new ConnectionAbortedException("the peer closed the connection in the middle of a message"));
        });
    }

    static String cookie(byte[] b) {
        if (b.length != COOKIE_SIZE) {
            return null;
        }
        for (int i = 0; i < COOKIE_SIZE - 1; i++) {
            if (b[i] < 0x21 || b[i] > 0x7e) {
                return null;
            }
        }
        return new String(b, 0, COOKIE_SIZE - 1, StandardCharsets.US_ASCII);
    }

    /** A JSON message: its UTF-8 length, big-endian, then the text. */
    static byte[] json(String text) {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[JSON_LENGTH_SIZE + body.length];
        putInt(out, 0, body.length);
        System.arraycopy(body, 0, out, JSON_LENGTH_SIZE, body.length);
        return out;
    }

    /** The length in front of a JSON message, or -1 when it is out of range. */
    static int jsonLength(byte[] header) {
        long n = ((header[0] & 0xffL) << 24) | ((header[1] & 0xff) << 16) | ((header[2] & 0xff) << 8) | (header[3] & 0xff);
        return n < 2 || n > MAX_JSON ? -1 : (int) n;
    }

    /** SERVER_ERROR, then iperf3's error number and the system errno, each a big-endian int. */
    static byte[] serverError(int iperfError, int errno) {
        byte[] out = new byte[9];
        out[0] = SERVER_ERROR;
        putInt(out, 1, iperfError);
        putInt(out, 5, errno);
        return out;
    }

    /** What one data connection received, for the results. */
    record StreamResult(int id, long bytes) {
    }

    /**
     * The server's results as the client's {@code iperf_recv_results} reads them: the CPU figures
     * (not measured here: zero), then per stream its id and the bytes received; the fields a TCP
     * receiver has no value for are zero, and retransmits -1 (the receiver cannot know them).
     */
    static String results(List<StreamResult> streams, double seconds, String congestion) {
        StringBuilder sb = new StringBuilder();
        sb.append("{\"cpu_util_total\":0,\"cpu_util_user\":0,\"cpu_util_system\":0,\"sender_has_retransmits\":0,")
                .append("\"congestion_used\":\"").append(congestion).append("\",\"streams\":[");
        for (int i = 0; i < streams.size(); i++) {
            StreamResult s = streams.get(i);
            sb.append(i == 0 ? "" : ",").append("{\"id\":").append(s.id()).append(",\"bytes\":").append(s.bytes())
                    .append(",\"retransmits\":-1,\"jitter\":0,\"errors\":0,\"omitted_errors\":0,\"packets\":0,")
                    .append("\"omitted_packets\":0,\"start_time\":0,\"end_time\":")
                    .append(String.format(Locale.ROOT, "%.6f", seconds)).append('}');
        }
        return sb.append("]}").toString();
    }

    /**
     * iperf3's stream ids in the order the streams were added: 1, then 3, 4, 5... (its
     * {@code iperf_add_stream} skips 2); the client matches the server's results by them.
     */
    static int streamId(int index) {
        return index == 0 ? 1 : index + 2;
    }

    private static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }
}
