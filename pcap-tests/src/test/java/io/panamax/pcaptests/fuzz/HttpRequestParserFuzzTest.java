package io.panamax.pcaptests.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.panamax.http.Framing;
import io.panamax.http.HttpRequestParser;
import io.panamax.http.HttpRequestParser.Event;
import io.panamax.http.RequestHead;
import io.panamax.http.RequestLimits;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The echo sample's {@link HttpRequestParser} on any bytes, split anywhere: it never throws (a bad
 * request is an {@code ERROR} event with its {@code ParseError}, which every later call repeats),
 * keeps to its {@link RequestLimits}, names content only inside the input it was given, and parses
 * the same requests whatever the split: the events of the split run equal those of the same bytes
 * in one piece, and each request it completed, parsed alone by a fresh parser, gives its events again
 * (nothing leaks from one pipelined request into the next).
 *
 * <p>Input: {@link FuzzBytes} with 4 extra bytes. Byte 0's offset places every piece in its
 * segment, its flag selects tight limits (so that inputs of a few hundred bytes reach every limit);
 * byte 1 is not used (the parser is always told exactly the bytes it has); the extra bytes are the
 * sizes of the pieces, used in turn (0: an empty input; all 0: the whole data in one piece). Each
 * piece is copied into a segment of its own that ends where the piece ends, so a read past the
 * input is an {@link IndexOutOfBoundsException}.
 */
class HttpRequestParserFuzzTest {
    private static final RequestLimits TIGHT = new RequestLimits(32, 96, 4, 64, 8);

    @FuzzTest
    void parsesTheSameRequestsHoweverSplitAndKeepsItsLimits(byte[] input) {
        FuzzBytes in = FuzzBytes.of(input, 4);
        RequestLimits limits = in.flag() ? TIGHT : RequestLimits.defaults();
        byte[] data = in.data();
        int[] pieces = new int[4];
        for (int i = 0; i < 4; i++) {
            pieces[i] = in.extra()[i] & 0xff;
        }
        if (Arrays.stream(pieces).allMatch(n -> n == 0)) {
            pieces = new int[] {Math.max(1, data.length)};
        }
        Run split = Run.parse(data, in.offset(), pieces, limits);
        Run whole = Run.parse(data, in.offset(), new int[] {Math.max(1, data.length)}, limits);
        assertEquals(whole.events, split.events, "the same events whatever the split");
        for (int[] request : split.requests) {
            byte[] alone = Arrays.copyOfRange(data, request[0], request[1]);
            Run fresh = Run.parse(alone, in.offset(), new int[] {Math.max(1, alone.length)}, limits);
            assertEquals(split.events.subList(request[2], request[3]), fresh.events, "a request parsed alone");
            assertEquals(1, fresh.requests.size(), "parsed alone, it is one request");
            assertEquals(alone.length, fresh.requests.getFirst()[1], "parsed alone, it ends where it ended");
        }
    }

    /**
     * One parse of {@code data} fed in pieces, checked as it goes.
     *
     * @param events   what the parser reported: each head and trailer section described, the content
     *                 of a request joined into one {@code BODY} (how it was split depends on the
     *                 pieces), {@code END}, {@code ERROR} with its reason
     * @param requests the requests completed: {start, end} in {@code data}, {first, end} in {@code events}
     */
    private record Run(List<String> events, List<int[]> requests) {

        static Run parse(byte[] data, int offset, int[] pieces, RequestLimits limits) {
            Run run = new Run(new ArrayList<>(), new ArrayList<>());
            HttpRequestParser parser = new HttpRequestParser(limits);
            Request request = new Request(data, limits, 0);
            int at = 0;
            try (Arena arena = Arena.ofConfined()) {
                for (int i = 0; at < data.length || i == 0; i++) {
                    int n = Math.min(pieces[i % pieces.length], data.length - at);
                    MemorySegment seg = arena.allocate(Math.max(1, offset + n), 1);
                    MemorySegment.copy(data, at, seg, ValueLayout.JAVA_BYTE, offset, n);
                    parser.input(seg, offset, n);
                    for (Event e = parser.next(); e != Event.NEED_MORE; e = parser.next()) {
                        assertNotNull(e);
                        int position = at + n - (int) parser.remaining();
                        assertTrue(position >= at && position <= at + n, "consumed within the input");
                        switch (e) {
                            case HEAD -> request.head(parser.head(), position, run.events);
                            case BODY -> {
                                long from = parser.bodyOffset() - offset;
                                assertTrue(parser.bodyLength() > 0 && from >= 0 && from + parser.bodyLength() <= n,
                                        "content within the input");
                                request.body(data, at + (int) from, parser.bodyLength());
                            }
                            case END -> {
                                request.end(parser.head(), position, run.events);
                                run.requests.add(new int[] {request.start, position, request.firstEvent, run.events.size()});
                                request = new Request(data, limits, position);
                                request.firstEvent = run.events.size();
                            }
                            case ERROR -> {
                                assertNotNull(parser.error());
                                assertEquals(Event.ERROR, parser.next(), "an error is for good");
                                request.flushBody(run.events);
                                run.events.add("ERROR " + parser.error());
                                return run;
                            }
                            default -> throw new AssertionError(e);
                        }
                    }
                    assertEquals(0, parser.remaining(), "NEED_MORE only with every byte consumed");
                    at += n;
                }
            }
            request.flushBody(run.events);
            return run;
        }
    }

    /** The request being parsed: where it started in the data, and its content so far. */
    private static final class Request {
        final byte[] data;
        final RequestLimits limits;
        final int start;
        int firstEvent;
        int headEnd = -1;
        Framing framing;
        long contentLength;
        long content;
        StringBuilder body = new StringBuilder();

        Request(byte[] data, RequestLimits limits, int start) {
            this.data = data;
            this.limits = limits;
            this.start = start;
        }

        void head(RequestHead head, int position, List<String> events) {
            assertEquals(-1, headEnd, "one head per request");
            headEnd = position;
            framing = head.framing();
            contentLength = head.contentLength();
            // The request-line as received: empty lines, method SP target SP HTTP-version, CRLF or LF.
            int at = start;
            while (data[at] == '\r' || data[at] == '\n') {
                at++;
            }
            String line = head.methodName() + " " + head.target() + " HTTP/" + head.versionMajor() + "." + head.versionMinor();
            assertTrue(line.length() <= limits.maxRequestLineBytes(), "request-line within its limit");
            assertEquals(line, new String(data, at, line.length(), StandardCharsets.ISO_8859_1), "the head's request-line is the one received");
            at += line.length();
            at += data[at] == '\r' ? 2 : 1;
            assertTrue(position - at <= limits.maxFieldSectionBytes(), "header section within its limit");
            assertTrue(head.fieldCount() <= limits.maxFieldLines(), "header lines within their limit");
            assertTrue(head.versionMajor() == 1);
            switch (framing) {
                case CONTENT_LENGTH -> assertTrue(contentLength >= 0 && contentLength <= limits.maxContentBytes(), "Content-Length within its limit");
                case CHUNKED -> assertTrue(contentLength < 0 && head.isHttp11(), "chunked: HTTP/1.1 without Content-Length");
                default -> assertTrue(head.field("transfer-encoding") == null, "no Transfer-Encoding left unframed");
            }
            events.add("HEAD " + line + " " + fields(head, false) + " " + framing + " " + contentLength + " "
                    + head.expectation() + " persistent=" + head.persistent());
        }

        void body(byte[] data, int from, int length) {
            assertTrue(headEnd >= 0 && framing != Framing.NONE, "content only after a head that announced it");
            content += length;
            assertTrue(content <= limits.maxContentBytes(), "content within its limit");
            body.append(HexFormat.of().formatHex(data, from, from + length));
        }

        void end(RequestHead head, int position, List<String> events) {
            assertTrue(headEnd >= 0, "a request ends after its head");
            if (framing == Framing.CONTENT_LENGTH) {
                assertEquals(contentLength, content, "as much content as Content-Length said");
                assertEquals(headEnd + contentLength, position, "and the request ends there");
            }
            assertTrue(head.trailerCount() <= limits.maxFieldLines(), "trailer lines within their limit");
            flushBody(events);
            events.add("END " + fields(head, true));
        }

        void flushBody(List<String> events) {
            if (!body.isEmpty()) {
                events.add("BODY " + body);
                body = new StringBuilder();
            }
        }

        /** The header (or trailer) fields as name: value lines; values carry no CR, LF or NUL. */
        private static String fields(RequestHead head, boolean trailers) {
            StringBuilder out = new StringBuilder("[");
            int n = trailers ? head.trailerCount() : head.fieldCount();
            for (int i = 0; i < n; i++) {
                String name = trailers ? head.trailerName(i) : head.fieldName(i);
                String value = trailers ? head.trailerValue(i) : head.fieldValue(i);
                assertTrue(!name.isEmpty() && value.chars().noneMatch(c -> c == '\r' || c == '\n' || c == 0), "field " + i);
                assertTrue(value.isEmpty() || !isWhitespace(value.charAt(0)) && !isWhitespace(value.charAt(value.length() - 1)),
                        "field values without surrounding whitespace");
                out.append(name).append(": ").append(value).append('|');
            }
            return out.append(']').toString();
        }

        /** Optional whitespace around a field value (RFC 9110 §5.6.3): SP and HTAB. */
        private static boolean isWhitespace(char c) {
            return c == ' ' || c == '\t';
        }
    }
}
