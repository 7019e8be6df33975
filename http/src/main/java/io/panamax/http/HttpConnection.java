package io.panamax.http;

import io.panamax.reactor.ShardFuture;
import io.panamax.reactor.Loop;
import io.panamax.reactor.ReadBuffer;
import io.panamax.reactor.Timer;
import io.panamax.reactor.buffer.Packet;
import io.panamax.tcp.ReplyBuilder;
import io.panamax.tcp.StreamConnection;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * One HTTP/1.1 connection of the echo server, on its shard: reads, feeds the parser, answers each
 * request in order (so pipelined requests get their responses in order, RFC 9112 §9.3.2), and
 * decides when the connection ends.
 *
 * <p>It reads again only when what it wrote for the previous read has been accepted by the
 * connection's send buffer: a client that sends faster than it reads is slowed by TCP, not
 * buffered without bound. Content of a Content-Length request is echoed as it arrives, as
 * zero-copy views of the received buffers; a chunked request's content is held (up to the content
 * limit) until its end, since its length, and so whether it gets a 413, is known only then.
 *
 * <p>Ending: after a response that closes (the client asked, HTTP/1.0 without keep-alive, an
 * error), the server shuts its output down (FIN after the response) and keeps reading and
 * discarding until the client closes too, for at most the linger timeout: closing at once with
 * unread data would make TCP send a RST that can destroy the response in flight (RFC 9112 §9.6).
 */
final class HttpConnection {
    private static final byte[] METRICS_PATH = Ascii.bytes("/metrics");
    private static final String TEXT = "text/plain";
    /** The Prometheus text exposition format. */
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    private static final byte[] CONTINUE = Ascii.bytes("HTTP/1.1 100 Continue\r\n\r\n");
    private static final RuntimeException NO_BUFFERS = new OutOfBuffers();
    private static final RuntimeException SERVER_CLOSED = new ServerClosed();

    /** What the current request gets. */
    private enum Route {
        /** Nothing more: it was refused (and the connection is closing). */
        NONE,
        /** The echo, sent as the content arrives. */
        ECHO_STREAMED,
        /** The echo, sent after the whole (chunked) content arrived. */
        ECHO_BUFFERED,
        /** The Prometheus metrics. */
        METRICS,
        /** 405: /metrics takes GET and HEAD only. */
        METHOD_NOT_ALLOWED
    }

    private final HttpServer server;
    /** TCP, or TLS over TCP: the echo does not tell them apart. */
    private final StreamConnection connection;
    private final HttpRequestParser parser;
    private final Timer timer;
    private final long idleNanos;
    private final long lingerNanos;

    private Route route = Route.NONE;
    /** Bytes of the current response are on their way: an error can no longer be answered. */
    private boolean responseStarted;
    /** Output is shut down (or about to be): input is read and discarded until the client closes. */
    private boolean closing;
    private boolean waitingForWrite;
    /**
     * The timer holds the deadline of the request head being read: it was armed at the head's
     * first bytes and is not re-armed by later reads, so a client that trickles a head byte by
     * byte (slowloris) still gets its 408 one idle timeout after it began.
     */
    private boolean headDeadline;
    private boolean finished;
    /** The content of a chunked request, as views of the received buffers. */
    private Packet content;
    private long contentLength;
    private ShardFuture<Void> lastWrite = ShardFuture.done();
    /** What the last read returned, while it is being processed. */
    private Packet input;
    private int fragment;
    /** Index in {@link #input} of the first byte of the current fragment. */
    private int fragmentIndex;
    private boolean fragmentFed;

    HttpConnection(HttpServer server, StreamConnection connection) {
        this.server = server;
        this.connection = connection;
        this.parser = new HttpRequestParser(server.config().limits());
        this.timer = server.shard().timers().newTimer(this::timedOut);
        this.idleNanos = server.config().idleTimeout().toNanos();
        this.lingerNanos = server.config().lingerTimeout().toNanos();
    }

    void start() {
        beforeRead();
        // A read loop: one completion serves every read, so reading costs no heap per request.
        connection.readLoop(this::afterRead).whenComplete((v, e) -> finish(e));
    }

    /** Ends the connection now (the server is stopping). */
    void abort() {
        finish(SERVER_CLOSED);
    }

    // ---- the read loop ------------------------------------------------------------------------

    /** Before each read: the idle timer runs while the connection waits for the client. */
    private void beforeRead() {
        waitingForWrite = false;
        if (!closing && !headDeadline) {
            armIdleTimer();
        }
    }

    /** What the loop does with each read: process it, and prepare the next read when it goes on. */
    private ShardFuture<Loop> afterRead(ReadBuffer data) {
        ShardFuture<Loop> answer = received(data);
        if (!answer.isDone()) {
            return answer.map(readingAgain); // a response waited (metrics, back-pressure)
        }
        if (answer.isSucceeded() && answer.getNow() == Loop.CONTINUE) {
            beforeRead();
        }
        return answer;
    }

    private final java.util.function.Function<Loop, Loop> readingAgain = next -> {
        if (next == Loop.CONTINUE) {
            beforeRead();
        }
        return next;
    };

    private ShardFuture<Loop> received(ReadBuffer data) {
        if (data.isEmpty()) {
            data.release();
            return ShardFuture.stop();
        }
        if (closing) {
            data.release();
            return ShardFuture.next();
        }
        // The parser reads the received fragments where they are, and the echo sends views of
        // them: the connection's reads are the stack's packets, taken as they are (no copy).
        input = Packet.of(data, server.shard().packets());
        if (input == null) {
            return ShardFuture.failed(NO_BUFFERS);
        }
        fragment = 0;
        fragmentIndex = 0;
        fragmentFed = false;
        return resume();
    }

    /**
     * Processes the input from where it stopped: to its end, or until a response has to wait for
     * something that is not ready (the metrics text), after which this runs again.
     */
    private ShardFuture<Loop> resume() {
        if (finished) {
            return ShardFuture.stop(); // aborted while waiting; finish() released the input
        }
        ShardFuture<Void> waiting;
        try {
            waiting = process();
        } catch (RuntimeException e) {
            releaseInput();
            throw e;
        }
        if (waiting != null) {
            return waiting.then(v -> resume());
        }
        releaseInput();
        if (closing) {
            connection.shutdownOutput();
            timer.arm(lingerNanos);
        } else if (parser.readingHead()) {
            if (!headDeadline) {
                headDeadline = true;
                armIdleTimer();
            }
        } else {
            headDeadline = false;
        }
        ShardFuture<Void> w = lastWrite;
        lastWrite = ShardFuture.done();
        if (w.isDone()) {
            return w.isFailed() ? ShardFuture.failed(w.cause()) : ShardFuture.next();
        }
        // Back-pressure: read more only once the connection took what was written.
        waitingForWrite = true;
        if (!closing) {
            armIdleTimer();
        }
        return w.map(v -> Loop.CONTINUE);
    }

    /**
     * Feeds the input to the parser, fragment by fragment, and acts on each event in order. Returns
     * null at the end of the input (or when the connection is closing), or a future to wait for
     * before going on.
     */
    private ShardFuture<Void> process() {
        Packet data = input;
        int fragments = data.fragmentCount();
        for (; fragment < fragments && !closing; fragment++) {
            int offset = data.fragmentOffset(fragment);
            int length = data.fragmentLength(fragment);
            if (!fragmentFed) {
                MemorySegment memory = data.fragmentMemory(fragment);
                parser.input(memory, offset, length);
                fragmentFed = true;
            }
            while (!closing) {
                HttpRequestParser.Event event = parser.next();
                if (event == HttpRequestParser.Event.NEED_MORE) {
                    break;
                }
                ShardFuture<Void> waiting = switch (event) {
                    case HEAD -> head(parser.remaining() == 0 && fragment == fragments - 1);
                    case BODY -> content(data, fragmentIndex + (int) (parser.bodyOffset() - offset), parser.bodyLength());
                    case END -> end();
                    case ERROR -> refuse(parser.error());
                    default -> null;
                };
                if (waiting != null && !waiting.isDone()) {
                    return waiting;
                }
            }
            fragmentIndex += length;
            fragmentFed = false;
        }
        return null;
    }

    private void releaseInput() {
        if (input != null) {
            input.release();
            input = null;
        }
    }

    // ---- one request ---------------------------------------------------------------------------

    private ShardFuture<Void> head(boolean noContentYet) {
        RequestHead h = parser.head();
        responseStarted = false;
        if (h.method() == Method.CONNECT) {
            // A 2xx to CONNECT would switch the connection to a tunnel (RFC 9110 §9.3.6).
            return refuse(HttpStatus.NOT_IMPLEMENTED, "CONNECT is not supported: this server is no proxy");
        }
        if (h.expectation() == Expectation.UNSUPPORTED) {
            return refuse(HttpStatus.EXPECTATION_FAILED, "the only expectation supported is 100-continue");
        }
        if (h.hasPath(METRICS_PATH)) {
            route = h.method() == Method.GET || h.method() == Method.HEAD ? Route.METRICS : Route.METHOD_NOT_ALLOWED;
        } else {
            route = h.framing() == Framing.CHUNKED ? Route.ECHO_BUFFERED : Route.ECHO_STREAMED;
        }
        boolean hasContent = h.framing() == Framing.CHUNKED || h.contentLength() > 0;
        if (h.expectation() == Expectation.CONTINUE && h.isHttp11() && hasContent && noContentYet) {
            // RFC 9110 §10.1.1: answer a 100-continue before the content, unless some of it is
            // already here (then the client stopped waiting). An HTTP/1.0 expectation is ignored.
            send(CONTINUE);
            server.metrics().interimContinue.increment();
        }
        if (route == Route.ECHO_STREAMED) {
            startStreamedEcho(h);
        }
        return null;
    }

    private void startStreamedEcho(RequestHead h) {
        long length = RequestEcho.headLength(h) + Math.max(0, h.contentLength());
        ReplyBuilder out = server.reply();
        responseHead(out, HttpStatus.OK, TEXT, length, !h.persistent(), h.isHttp11(), null);
        if (h.method() != Method.HEAD) {
            RequestEcho.head(h, out);
        }
        write(out);
        responseStarted = true;
    }

    private ShardFuture<Void> content(Packet data, int index, int length) {
        switch (route) {
            case ECHO_STREAMED -> {
                if (parser.head().method() != Method.HEAD) {
                    write(data.share(index, length));
                }
            }
            case ECHO_BUFFERED -> {
                contentLength += length;
                if (parser.head().method() != Method.HEAD) {
                    if (content == null) {
                        content = server.shard().packets().allocate();
                    }
                    content.append(data.share(index, length));
                }
            }
            default -> {
                // the content of a request that is not echoed: read and dropped
            }
        }
        return null;
    }

    private ShardFuture<Void> end() {
        RequestHead h = parser.head();
        ShardFuture<Void> waiting = null;
        switch (route) {
            case ECHO_STREAMED -> server.metrics().response(HttpStatus.OK);
            case ECHO_BUFFERED -> finishBufferedEcho(h);
            case METRICS -> waiting = sendMetrics(h.method() == Method.HEAD, !h.persistent(), h.isHttp11());
            case METHOD_NOT_ALLOWED -> respond(HttpStatus.METHOD_NOT_ALLOWED, "Allow: GET, HEAD",
                    "/metrics answers GET and HEAD", !h.persistent());
            case NONE -> {
            }
        }
        route = Route.NONE;
        responseStarted = false;
        if (!h.persistent()) {
            closing = true;
        }
        return waiting;
    }

    private void finishBufferedEcho(RequestHead h) {
        long length = RequestEcho.headLength(h) + contentLength + RequestEcho.trailersLength(h);
        Packet body = content;
        content = null;
        contentLength = 0;
        ReplyBuilder out = server.reply();
        try {
            responseHead(out, HttpStatus.OK, TEXT, length, !h.persistent(), h.isHttp11(), null);
            if (h.method() != Method.HEAD) {
                RequestEcho.head(h, out);
                if (body != null) {
                    Packet b = body;
                    body = null;
                    out.append(b); // zero copy: the received buffers go out again
                }
                RequestEcho.trailers(h, out);
            }
        } finally {
            if (body != null) {
                body.release();
            }
        }
        write(out);
        server.metrics().response(HttpStatus.OK);
    }

    /**
     * The metrics of every shard, rendered off the shard (rendering hundreds of series takes long
     * enough to stall the poll loop; the counters are safe to read from any thread). The
     * connection's processing waits for it, so pipelined responses keep their order.
     */
    private ShardFuture<Void> sendMetrics(boolean headRequest, boolean close, boolean http11) {
        server.metrics().response(HttpStatus.OK); // this request counts in what it shows
        return server.renderMetrics().map(text -> {
            if (finished) {
                return null;
            }
            ReplyBuilder out = server.reply();
            responseHead(out, HttpStatus.OK, PROMETHEUS_TEXT, text.length, close, http11, null);
            if (!headRequest) {
                out.bytes(text);
            }
            write(out);
            return null;
        });
    }

    /** A malformed request: its status, a counted reason, and the connection closes. */
    private ShardFuture<Void> refuse(ParseError error) {
        server.metrics().requestErrors.count(error);
        return refuse(error.status(), error.description());
    }

    /** A final response that ends the connection (the rest of the input is not read as requests). */
    private ShardFuture<Void> refuse(int status, String why) {
        releaseContent();
        route = Route.NONE;
        if (responseStarted) {
            // Cannot happen with this parser (a streamed echo has Content-Length framing, which
            // fails only at the head), but if it did, the half-sent response must not be continued.
            closing = true;
            connection.abort();
            return null;
        }
        respond(status, null, why, true);
        closing = true;
        return null;
    }

    /** A short text response. */
    private void respond(int status, String extraField, String text, boolean close) {
        RequestHead h = parser.head();
        ReplyBuilder out = server.reply();
        responseHead(out, status, TEXT, text.length() + 2, close, h.isHttp11(), extraField); // ASCII text, CRLF
        if (h.method() != Method.HEAD) {
            out.ascii(text).crlf();
        }
        write(out);
        server.metrics().response(status);
    }

    private void responseHead(ReplyBuilder out, int status, String contentType, long contentLength, boolean close,
                              boolean http11, String extraField) {
        out.bytes(HttpStatus.statusLine(status))
                .ascii("Date: ").bytes(server.date().now()).crlf()
                .ascii("Server: panamax").crlf()
                .ascii("Content-Type: ").ascii(contentType).crlf()
                .ascii("Content-Length: ").decimal(contentLength).crlf();
        if (extraField != null) {
            out.ascii(extraField).crlf();
        }
        if (close) {
            out.ascii("Connection: close").crlf(); // RFC 9112 §9.6
        } else if (!http11) {
            out.ascii("Connection: keep-alive").crlf(); // the HTTP/1.0 client asked to keep it (§9.3)
        }
        out.crlf();
    }

    // ---- output ---------------------------------------------------------------------------------

    private void send(byte[] bytes) {
        write(server.reply().bytes(bytes));
    }

    /** Writes the response built in {@code out}; the shard's buffers ran out while building it: {@link #NO_BUFFERS}. */
    private void write(ReplyBuilder out) {
        ReadBuffer p = out.take();
        if (p == null) {
            throw NO_BUFFERS;
        }
        write(p);
    }

    private void write(ReadBuffer p) {
        // Writes queue in order; the last one's future completes last.
        lastWrite = connection.write(p);
    }

    // ---- time and the end ---------------------------------------------------------------------

    private void armIdleTimer() {
        if (idleNanos > 0) {
            timer.arm(idleNanos);
        }
    }

    private void timedOut() {
        if (finished) {
            return;
        }
        if (closing) {
            server.metrics().timeout(HttpMetrics.Timeout.LINGER);
            connection.abort();
            return;
        }
        if (waitingForWrite) {
            server.metrics().timeout(HttpMetrics.Timeout.WRITE);
            connection.abort();
            return;
        }
        if (parser.betweenRequests()) {
            // RFC 9112 §9.5: a server may close an idle connection at any time.
            server.metrics().timeout(HttpMetrics.Timeout.IDLE);
        } else {
            server.metrics().timeout(HttpMetrics.Timeout.REQUEST);
            if (responseStarted) {
                connection.abort();
                return;
            }
            try {
                refuse(HttpStatus.REQUEST_TIMEOUT, "no complete request within the idle timeout");
            } catch (OutOfBuffers e) {
                server.metrics().abortedNoBuffers.increment();
                connection.abort();
                return;
            }
        }
        closing = true;
        connection.shutdownOutput();
        timer.arm(lingerNanos);
    }

    private void releaseContent() {
        if (content != null) {
            content.release();
            content = null;
        }
        contentLength = 0;
    }

    private void finish(Throwable failure) {
        if (finished) {
            return;
        }
        finished = true;
        timer.cancel();
        releaseContent();
        releaseInput();
        server.connectionEnded(this);
        if (failure == NO_BUFFERS) {
            server.metrics().abortedNoBuffers.increment();
        }
        if (failure == null) {
            connection.close(); // the client closed: finish ours after what is queued
        } else {
            connection.abort();
        }
    }

    /** The shard's packet buffers ran out while a response was put together. */
    private static final class OutOfBuffers extends RuntimeException {
        OutOfBuffers() {
            super("packet buffers exhausted", null, false, false);
        }
    }

    /** The server stopped with the connection open. */
    private static final class ServerClosed extends RuntimeException {
        ServerClosed() {
            super("server closed", null, false, false);
        }
    }
}
