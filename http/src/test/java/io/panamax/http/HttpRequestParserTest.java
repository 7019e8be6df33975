package io.panamax.http;

import io.panamax.http.ParserHarness.Message;
import io.panamax.http.ParserHarness.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static io.panamax.http.ParserHarness.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The request parser against RFC 9112's rules. Every input is parsed whole, one byte at a time and
 * cut at random places, and all three must report the same requests and the same error.
 */
class HttpRequestParserTest {
    private static final RequestLimits LIMITS = RequestLimits.defaults();
    private static final long SEED = 20240611L;

    /** Parses {@code input} whole, byte by byte and in random splits; asserts they agree. */
    static Outcome check(RequestLimits limits, String input) {
        byte[] b = bytes(input);
        Outcome whole = ParserHarness.parse(limits, b, new int[0]);
        assertEquals(whole, ParserHarness.byteByByte(limits, b), "byte by byte: " + printable(input));
        Random random = new Random(SEED ^ input.hashCode());
        for (int i = 0; i < 20; i++) {
            assertEquals(whole, ParserHarness.randomSplits(limits, b, random, 1 + random.nextInt(8)),
                    "random splits: " + printable(input));
        }
        return whole;
    }

    static Outcome check(String input) {
        return check(LIMITS, input);
    }

    static void assertError(ParseError expected, RequestLimits limits, String input) {
        Outcome o = check(limits, input);
        assertSame(expected, o.error(), () -> printable(input) + " -> " + o);
    }

    static void assertError(ParseError expected, String input) {
        assertError(expected, LIMITS, input);
    }

    static String printable(String s) {
        return s.replace("\r", "\\r").replace("\n", "\\n").replace("\0", "\\0");
    }

    // ---- requests that parse ---------------------------------------------------------------------

    @Test
    void simpleGet() {
        Message m = check("GET /hello?x=1 HTTP/1.1\r\nHost: 10.7.0.2:8080\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n").only();
        assertEquals("GET", m.method());
        assertSame(Method.GET, m.knownMethod());
        assertEquals("/hello?x=1", m.target());
        assertEquals(1, m.major());
        assertEquals(1, m.minor());
        assertEquals(List.of("Host: 10.7.0.2:8080", "User-Agent: curl/7.88.1", "Accept: */*"), m.fields());
        assertSame(Framing.NONE, m.framing());
        assertEquals(-1, m.contentLength());
        assertTrue(m.persistent(), "HTTP/1.1 is persistent by default (RFC 9112 §9.3)");
        assertEquals("", m.body());
    }

    @Test
    void fieldValuesLoseSurroundingWhitespaceButKeepInnerWhitespace() {
        Message m = check("GET / HTTP/1.1\r\nHost: a\r\nX-A:   spaced  out \t \r\nX-Empty:\r\nX-Tab:\tv\r\n\r\n").only();
        assertEquals(List.of("Host: a", "X-A: spaced  out", "X-Empty: ", "X-Tab: v"), m.fields());
    }

    @Test
    void obsTextInFieldValuesIsKept() {
        Message m = check("GET / HTTP/1.1\r\nHost: a\r\nX-Name: caf\u00e9\r\n\r\n").only();
        assertEquals("X-Name: caf\u00e9", m.fields().get(1));
    }

    @Test
    void contentLengthBody() {
        Message m = check("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world").only();
        assertSame(Framing.CONTENT_LENGTH, m.framing());
        assertEquals(11, m.contentLength());
        assertEquals("hello world", m.body());
    }

    @Test
    void zeroContentLengthEndsAtTheHead() {
        Outcome o = check("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n");
        assertEquals(2, o.messages().size());
        assertEquals("", o.messages().get(0).body());
        assertSame(Framing.CONTENT_LENGTH, o.messages().get(0).framing());
    }

    @Test
    void identicalContentLengthLinesAreOneLength() {
        // RFC 9110 §8.6 allows a recipient to accept repeated identical values.
        Message m = check("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\ncontent-length: 3\r\n\r\nabc").only();
        assertEquals("abc", m.body());
    }

    @Test
    void chunkedBodyIsDecoded() {
        Message m = check("POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\n\r\n").only();
        assertSame(Framing.CHUNKED, m.framing());
        assertEquals("hello world", m.body());
        assertEquals(List.of(), m.trailers());
    }

    @Test
    void chunkSizesAreHexInEitherCaseWithLeadingZeros() {
        String data = "x".repeat(0x1a) + "y".repeat(0xB);
        Message m = check("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "1a\r\n" + "x".repeat(0x1a) + "\r\n000B\r\n" + "y".repeat(0xB) + "\r\n00\r\n\r\n").only();
        assertEquals(data, m.body());
    }

    @Test
    void chunkExtensionsAreParsedAndIgnored() {
        // RFC 9112 §7.1.1: chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] )
        Message m = check("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "3;a\r\nabc\r\n"
                + "3 ; name = value ;flag\r\ndef\r\n"
                + "2;q=\"quoted; \\\"string\\\" \\\\\"\r\ngh\r\n"
                + "0;last=1\r\n\r\n").only();
        assertEquals("abcdefgh", m.body());
    }

    @Test
    void trailerFieldsFollowTheLastChunk() {
        Message m = check("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n"
                + "4\r\ndata\r\n0\r\nX-Checksum: abc123 \r\nX-Other:  two\r\n\r\n").only();
        assertEquals("data", m.body());
        assertEquals(List.of("X-Checksum: abc123", "X-Other: two"), m.trailers());
    }

    @Test
    void trailerFieldsDoNotFrameTheMessage() {
        // A Content-Length in the trailer section means nothing for framing (RFC 9110 §6.5.1).
        Outcome o = check("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "1\r\nz\r\n0\r\nContent-Length: 99\r\n\r\nGET /next HTTP/1.1\r\nHost: a\r\n\r\n");
        assertEquals(2, o.messages().size());
        assertEquals("/next", o.messages().get(1).target());
    }

    @Test
    void transferCodingNamesAreCaseInsensitive() {
        Message m = check("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n").only();
        assertEquals("z", m.body());
    }

    @Test
    void pipelinedRequestsComeOutInOrder() {
        String three = "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
                + "POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
                + "POST /3 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n0\r\n\r\n"
                + "HEAD /4 HTTP/1.1\r\nHost: a\r\n\r\n";
        Outcome o = check(three);
        assertNull(o.error());
        assertFalse(o.partial());
        assertEquals(List.of("/1", "/2", "/3", "/4"), o.messages().stream().map(Message::target).toList());
        assertEquals(List.of("", "abc", "de", ""), o.messages().stream().map(Message::body).toList());
        assertSame(Method.HEAD, o.messages().get(3).knownMethod());
    }

    @Test
    void aPartialRequestIsReportedAsPartial() {
        Outcome o = check("GET / HTTP/1.1\r\nHost: a\r\n\r\nPOST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc");
        assertEquals(1, o.messages().size());
        assertTrue(o.partial());
        assertNull(o.error());
    }

    @Test
    void persistence() {
        // RFC 9112 §9.3
        assertTrue(check("GET / HTTP/1.1\r\nHost: a\r\n\r\n").only().persistent());
        assertFalse(check("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").only().persistent());
        assertFalse(check("GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, CLOSE\r\n\r\n").only().persistent());
        assertFalse(check("GET / HTTP/1.0\r\n\r\n").only().persistent());
        assertTrue(check("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").only().persistent());
        assertFalse(check("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n").only().persistent());
    }

    @Test
    void http10NeedsNoHost() {
        Message m = check("GET / HTTP/1.0\r\n\r\n").only();
        assertEquals(0, m.minor());
        assertEquals(List.of(), m.fields());
    }

    @Test
    void laterMinorVersionsAreHttp11() {
        // RFC 9110 §2.5: treat HTTP/1.x above 1.1 as the highest minor version understood.
        Message m = check("GET / HTTP/1.7\r\nHost: a\r\n\r\n").only();
        assertEquals(7, m.minor());
        assertTrue(m.persistent());
    }

    @Test
    void expectations() {
        assertSame(Expectation.CONTINUE,
                check("PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\nx").only().expectation());
        assertSame(Expectation.UNSUPPORTED,
                check("PUT / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\nx").only().expectation());
        assertSame(Expectation.UNSUPPORTED,
                check("PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nExpect: other\r\n\r\n").only().expectation());
        assertSame(Expectation.NONE, check("GET / HTTP/1.1\r\nHost: a\r\n\r\n").only().expectation());
    }

    @Test
    void emptyLinesBeforeARequestLineAreSkipped() {
        // RFC 9112 §2.2
        Outcome o = check("\r\n\nGET / HTTP/1.1\r\nHost: a\r\n\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n");
        assertEquals(2, o.messages().size());
    }

    @Test
    void bareLfEndsLines() {
        // RFC 9112 §2.2: a recipient MAY recognise a single LF as a line terminator.
        Message m = check("POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\n3\nabc\n0\nX-T: 1\n\n").only();
        assertEquals("abc", m.body());
        assertEquals(List.of("X-T: 1"), m.trailers());
    }

    @Test
    void requestTargetForms() {
        // RFC 9112 §3.2
        assertEquals("http://a.example/x?y", check("GET http://a.example/x?y HTTP/1.1\r\nHost: a.example\r\n\r\n").only().target());
        assertEquals("*", check("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n").only().target());
        assertEquals("a.example:443", check("CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n").only().target());
        assertSame(Method.OTHER, check("PROPFIND /dav HTTP/1.1\r\nHost: a\r\n\r\n").only().knownMethod());
        assertSame(Method.OTHER, check("get / HTTP/1.1\r\nHost: a\r\n\r\n").only().knownMethod(), "methods are case-sensitive");
    }

    @Test
    void hostMayBeEmptyOrAnIpLiteralWithAPort() {
        check("GET / HTTP/1.1\r\nHost:\r\n\r\n").only();
        check("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n").only();
    }

    @Test
    void hasPathMatchesThePathWithOrWithoutAQuery() {
        HttpRequestParser p = new HttpRequestParser(LIMITS);
        byte[] metrics = bytes("/metrics");
        for (String t : List.of("/metrics", "/metrics?x=1")) {
            p.reset();
            byte[] req = bytes("GET " + t + " HTTP/1.1\r\nHost: a\r\n\r\n");
            p.input(MemorySegment.ofArray(req), 0, req.length);
            assertSame(HttpRequestParser.Event.HEAD, p.next());
            assertTrue(p.head().hasPath(metrics), t);
        }
        for (String t : List.of("/metric", "/metricsx", "/metrics/x", "/")) {
            p.reset();
            byte[] req = bytes("GET " + t + " HTTP/1.1\r\nHost: a\r\n\r\n");
            p.input(MemorySegment.ofArray(req), 0, req.length);
            assertSame(HttpRequestParser.Event.HEAD, p.next());
            assertFalse(p.head().hasPath(metrics), t);
        }
    }

    @Test
    void bodyEventsAreViewsOfTheInput() {
        byte[] req = bytes("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhelloGET");
        HttpRequestParser p = new HttpRequestParser(LIMITS);
        p.input(MemorySegment.ofArray(req), 0, req.length);
        assertSame(HttpRequestParser.Event.HEAD, p.next());
        assertSame(HttpRequestParser.Event.BODY, p.next());
        assertEquals(req.length - 8, p.bodyOffset(), "the content is where it was received: no copy");
        assertEquals(5, p.bodyLength());
        assertSame(HttpRequestParser.Event.END, p.next());
        assertSame(HttpRequestParser.Event.NEED_MORE, p.next());
        assertFalse(p.betweenRequests(), "three bytes of the next request-line were read");
    }

    @Test
    void readingHeadIsTrueOnlyInsideARequestLineOrHeaderSection() {
        HttpRequestParser p = new HttpRequestParser(LIMITS);
        String request = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\nT: 1\r\n";
        byte[] b = bytes(request);
        assertFalse(p.readingHead());
        int headEnd = request.indexOf("\r\n\r\n") + 4;
        for (int i = 0; i < b.length; i++) {
            p.input(MemorySegment.ofArray(b), i, 1);
            for (HttpRequestParser.Event e = p.next(); e != HttpRequestParser.Event.NEED_MORE; e = p.next()) {
                assertTrue(e == HttpRequestParser.Event.HEAD || e == HttpRequestParser.Event.BODY, e.toString());
            }
            assertEquals(i < headEnd - 1, p.readingHead(), "after byte " + i);
        }
        assertFalse(p.betweenRequests(), "in the trailer section");
    }

    @Test
    void resetMakesAFailedParserUsableAgain() {
        HttpRequestParser p = new HttpRequestParser(LIMITS);
        byte[] bad = bytes("GET / HTTP/1.1\r\nHost : a\r\n\r\n");
        p.input(MemorySegment.ofArray(bad), 0, bad.length);
        assertSame(HttpRequestParser.Event.ERROR, p.next());
        assertSame(ParseError.WHITESPACE_BEFORE_COLON, p.error());
        p.reset();
        byte[] good = bytes("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        p.input(MemorySegment.ofArray(good), 0, good.length);
        assertSame(HttpRequestParser.Event.HEAD, p.next());
        assertNull(p.error());
    }

    @Test
    void theHeadGrowsForLargeRequestsAndIsReused() {
        String big = "x".repeat(6000);
        Outcome o = check("GET /" + big + " HTTP/1.1\r\nHost: a\r\nX-Big: " + big + "\r\n\r\nGET /small HTTP/1.1\r\nHost: b\r\n\r\n");
        assertEquals(2, o.messages().size());
        assertEquals("/" + big, o.messages().get(0).target());
        assertEquals(List.of("Host: b"), o.messages().get(1).fields());
    }

    // ---- limits -------------------------------------------------------------------------------

    @Test
    void requestLineAtTheLimitParsesAndOneByteMoreIs414() {
        RequestLimits l = LIMITS.withMaxRequestLineBytes(64);
        String prefix = "GET /";
        String suffix = " HTTP/1.1";
        String atLimit = prefix + "a".repeat(64 - prefix.length() - suffix.length()) + suffix;
        assertEquals(64, atLimit.length());
        check(l, atLimit + "\r\nHost: a\r\n\r\n").only();
        assertError(ParseError.URI_TOO_LONG, l, prefix + "a".repeat(64 - prefix.length() - suffix.length() + 1) + suffix + "\r\nHost: a\r\n\r\n");
        assertEquals(414, ParseError.URI_TOO_LONG.status());
    }

    @Test
    void anEndlessTargetIs414WithoutWaitingForItsEnd() {
        Outcome o = check(LIMITS.withMaxRequestLineBytes(100), "GET /" + "a".repeat(500));
        assertSame(ParseError.URI_TOO_LONG, o.error());
    }

    @Test
    void headerSectionOverTheLimitIs431() {
        RequestLimits l = LIMITS.withMaxFieldSectionBytes(100);
        // The section counts field lines and the empty line that ends it: "Host: a\r\n" (9) + "X: v\r\n" + "\r\n" (2).
        String value = "v".repeat(100 - 9 - 2 - 5);
        check(l, "GET / HTTP/1.1\r\nHost: a\r\nX: " + value + "\r\n\r\n").only();
        assertError(ParseError.HEADER_SECTION_TOO_LARGE, l, "GET / HTTP/1.1\r\nHost: a\r\nX: " + value + "v\r\n\r\n");
        assertError(ParseError.HEADER_SECTION_TOO_LARGE, l, "GET / HTTP/1.1\r\nHost: a\r\nX: " + "v".repeat(1000));
        assertEquals(431, ParseError.HEADER_SECTION_TOO_LARGE.status());
    }

    @Test
    void tooManyFieldLinesIs431() {
        RequestLimits l = LIMITS.withMaxFieldLines(3);
        check(l, "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n").only();
        assertError(ParseError.TOO_MANY_HEADER_FIELDS, l, "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n");
        assertEquals(431, ParseError.TOO_MANY_HEADER_FIELDS.status());
    }

    @Test
    void contentLengthOverTheLimitIs413AtTheHead() {
        RequestLimits l = LIMITS.withMaxContentBytes(10);
        check(l, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789").only();
        // Refused before any content arrives: the client need not send it.
        assertError(ParseError.CONTENT_TOO_LARGE, l, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n");
        assertError(ParseError.CONTENT_TOO_LARGE, l, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999999\r\n\r\n");
        assertEquals(413, ParseError.CONTENT_TOO_LARGE.status());
    }

    @Test
    void chunkedContentOverTheLimitIs413() {
        RequestLimits l = LIMITS.withMaxContentBytes(10);
        String head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
        check(l, head + "5\r\n01234\r\n5\r\n56789\r\n0\r\n\r\n").only();
        assertError(ParseError.CONTENT_TOO_LARGE, l, head + "5\r\n01234\r\n6\r\n567890\r\n0\r\n\r\n");
        // A huge chunk-size is refused at its digits, before it could overflow.
        assertError(ParseError.CONTENT_TOO_LARGE, l, head + "ffffffffffffffffffffffff\r\n");
    }

    @Test
    void chunkExtensionsOverTheLimitAre400() {
        RequestLimits l = LIMITS.withMaxChunkExtensionBytes(10);
        String head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
        check(l, head + "1;abcdefghi\r\nz\r\n0\r\n\r\n").only();
        assertError(ParseError.CHUNK_EXTENSIONS_TOO_LONG, l, head + "1;abcdefghij\r\nz\r\n0\r\n\r\n");
        // The limit is over the whole message, not per chunk.
        assertError(ParseError.CHUNK_EXTENSIONS_TOO_LONG, l, head + "1;abcd\r\nz\r\n1;efgh\r\nz\r\n0;i\r\n\r\n");
    }

    @Test
    void trailerSectionOverTheLimitIs431() {
        RequestLimits l = LIMITS.withMaxFieldSectionBytes(64).withMaxFieldLines(2);
        String head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\n";
        check(l, head + "A: 1\r\nB: 2\r\n\r\n").only();
        assertError(ParseError.TRAILER_SECTION_TOO_LARGE, l, head + "A: 1\r\nB: 2\r\nC: 3\r\n\r\n");
        assertError(ParseError.TRAILER_SECTION_TOO_LARGE, l, head + "A: " + "x".repeat(64) + "\r\n\r\n");
    }

    @Test
    void tooManyEmptyLinesBeforeARequest() {
        check("\r\n".repeat(HttpRequestParser.MAX_EMPTY_LINES) + "GET / HTTP/1.0\r\n\r\n").only();
        assertError(ParseError.TOO_MANY_EMPTY_LINES, "\r\n".repeat(HttpRequestParser.MAX_EMPTY_LINES + 1) + "GET / HTTP/1.0\r\n\r\n");
    }

    @Test
    void aMethodLongerThanAnyIs501() {
        check("M".repeat(HttpRequestParser.MAX_METHOD_BYTES) + " / HTTP/1.1\r\nHost: a\r\n\r\n").only();
        assertError(ParseError.METHOD_TOO_LONG, "M".repeat(HttpRequestParser.MAX_METHOD_BYTES + 1) + " / HTTP/1.1\r\nHost: a\r\n\r\n");
        assertEquals(501, ParseError.METHOD_TOO_LONG.status());
    }

    // ---- malformed requests ---------------------------------------------------------------------

    static Stream<Arguments> malformed() {
        String h = "Host: a\r\n";
        String chunkedHead = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
        return Stream.of(
                // RFC 9112 §2.2: a CR must be followed by LF
                Arguments.of(ParseError.BARE_CR, "GET / HTTP/1.1\rHost: a\r\n\r\n"),
                Arguments.of(ParseError.BARE_CR, "GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n"),
                Arguments.of(ParseError.BARE_CR, "GET / HTTP/1.1\r\nHost: a\r\n\rx"),
                Arguments.of(ParseError.BARE_CR, "\rGET / HTTP/1.1\r\n" + h + "\r\n"),
                // RFC 9112 §3: method SP request-target SP HTTP-version, single spaces
                Arguments.of(ParseError.BAD_REQUEST_LINE, "GET  / HTTP/1.1\r\n" + h + "\r\n"),
                Arguments.of(ParseError.BAD_REQUEST_LINE, " GET / HTTP/1.1\r\n" + h + "\r\n"),
                Arguments.of(ParseError.BAD_REQUEST_LINE, "GE(T / HTTP/1.1\r\n" + h + "\r\n"),
                Arguments.of(ParseError.BAD_REQUEST_LINE, "GET\t/ HTTP/1.1\r\n" + h + "\r\n"),
                Arguments.of(ParseError.BAD_REQUEST_LINE, "GET /\r\n\r\n"),
                Arguments.of(ParseError.BAD_REQUEST_LINE, "GET \r\n\r\n"),
                Arguments.of(ParseError.BAD_VERSION, "GET / \r\n" + h + "\r\n"),
                // RFC 9112 §3.2: the forms of a request-target; bytes outside VCHAR
                Arguments.of(ParseError.BAD_TARGET, "GET /a\u007fb HTTP/1.1\r\n" + h + "\r\n"),
                Arguments.of(ParseError.BAD_TARGET, "GET /caf\u00e9 HTTP/1.1\r\n" + h + "\r\n"),
                Arguments.of(ParseError.BAD_TARGET, "GET /a\0 HTTP/1.1\r\n" + h + "\r\n"),
                Arguments.of(ParseError.BAD_TARGET, "GET * HTTP/1.1\r\n" + h + "\r\n"),
                Arguments.of(ParseError.BAD_TARGET, "GET hello HTTP/1.1\r\n" + h + "\r\n"),
                Arguments.of(ParseError.BAD_TARGET, "GET 1http://a/ HTTP/1.1\r\n" + h + "\r\n"),
                // RFC 9112 §2.3: HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive
                Arguments.of(ParseError.BAD_VERSION, "GET / http/1.1\r\n" + h + "\r\n"),
                Arguments.of(ParseError.BAD_VERSION, "GET / HTTP/11\r\n" + h + "\r\n"),
                Arguments.of(ParseError.BAD_VERSION, "GET / HTTP/1.1x\r\n" + h + "\r\n"),
                Arguments.of(ParseError.BAD_VERSION, "GET / HTTP/1.10\r\n" + h + "\r\n"),
                Arguments.of(ParseError.BAD_VERSION, "GET / HTTP/1.1 \r\n" + h + "\r\n"),
                Arguments.of(ParseError.VERSION_NOT_SUPPORTED, "GET / HTTP/2.0\r\n" + h + "\r\n"),
                Arguments.of(ParseError.VERSION_NOT_SUPPORTED, "GET / HTTP/0.9\r\n" + h + "\r\n"),
                // RFC 9112 §5: field-name ":" OWS field-value OWS
                Arguments.of(ParseError.BAD_FIELD_NAME, "GET / HTTP/1.1\r\n" + h + "X(y: 1\r\n\r\n"),
                Arguments.of(ParseError.BAD_FIELD_NAME, "GET / HTTP/1.1\r\n" + h + ": 1\r\n\r\n"),
                Arguments.of(ParseError.BAD_FIELD_NAME, "GET / HTTP/1.1\r\n" + h + "NoColon\r\n\r\n"),
                Arguments.of(ParseError.WHITESPACE_BEFORE_COLON, "GET / HTTP/1.1\r\nHost : a\r\n\r\n"),
                Arguments.of(ParseError.WHITESPACE_BEFORE_COLON, "GET / HTTP/1.1\r\n" + h + "Content-Length\t: 0\r\n\r\n"),
                Arguments.of(ParseError.OBS_FOLD, "GET / HTTP/1.1\r\n" + h + "X: a\r\n  b\r\n\r\n"),
                Arguments.of(ParseError.OBS_FOLD, "GET / HTTP/1.1\r\n" + h + "X: a\r\n\tb\r\n\r\n"),
                Arguments.of(ParseError.OBS_FOLD, "GET / HTTP/1.1\r\n " + h + "\r\n"),
                Arguments.of(ParseError.BAD_FIELD_VALUE, "GET / HTTP/1.1\r\n" + h + "X: a\0b\r\n\r\n"),
                Arguments.of(ParseError.BAD_FIELD_VALUE, "GET / HTTP/1.1\r\n" + h + "X: a\u0001\r\n\r\n"),
                Arguments.of(ParseError.BAD_FIELD_VALUE, "GET / HTTP/1.1\r\n" + h + "X: a\u007f\r\n\r\n"),
                // RFC 9112 §3.2: exactly one valid Host in HTTP/1.1
                Arguments.of(ParseError.MISSING_HOST, "GET / HTTP/1.1\r\n\r\n"),
                Arguments.of(ParseError.DUPLICATE_HOST, "GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n"),
                Arguments.of(ParseError.DUPLICATE_HOST, "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n"),
                Arguments.of(ParseError.BAD_HOST, "GET / HTTP/1.1\r\nHost: a b\r\n\r\n"),
                Arguments.of(ParseError.BAD_HOST, "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n"),
                Arguments.of(ParseError.BAD_HOST, "GET / HTTP/1.1\r\nHost: user@a\r\n\r\n"),
                // RFC 9110 §8.6, RFC 9112 §6.3: Content-Length = 1*DIGIT, consistent
                Arguments.of(ParseError.BAD_CONTENT_LENGTH, "POST / HTTP/1.1\r\n" + h + "Content-Length: abc\r\n\r\n"),
                Arguments.of(ParseError.BAD_CONTENT_LENGTH, "POST / HTTP/1.1\r\n" + h + "Content-Length: -1\r\n\r\n"),
                Arguments.of(ParseError.BAD_CONTENT_LENGTH, "POST / HTTP/1.1\r\n" + h + "Content-Length: +1\r\n\r\n"),
                Arguments.of(ParseError.BAD_CONTENT_LENGTH, "POST / HTTP/1.1\r\n" + h + "Content-Length: 1 2\r\n\r\n"),
                Arguments.of(ParseError.BAD_CONTENT_LENGTH, "POST / HTTP/1.1\r\n" + h + "Content-Length: 5, 5\r\n\r\n"),
                Arguments.of(ParseError.BAD_CONTENT_LENGTH, "POST / HTTP/1.1\r\n" + h + "Content-Length: 0x10\r\n\r\n"),
                Arguments.of(ParseError.BAD_CONTENT_LENGTH, "POST / HTTP/1.1\r\n" + h + "Content-Length:\r\n\r\n"),
                Arguments.of(ParseError.CONFLICTING_CONTENT_LENGTH, "POST / HTTP/1.1\r\n" + h + "Content-Length: 5\r\nContent-Length: 6\r\n\r\n"),
                // request smuggling defences (RFC 9112 §6.1, §6.3, §11.2)
                Arguments.of(ParseError.CONTENT_LENGTH_WITH_TRANSFER_ENCODING,
                        "POST / HTTP/1.1\r\n" + h + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"),
                Arguments.of(ParseError.CONTENT_LENGTH_WITH_TRANSFER_ENCODING,
                        "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"),
                Arguments.of(ParseError.TRANSFER_ENCODING_NOT_CHUNKED, "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: gzip\r\n\r\n"),
                Arguments.of(ParseError.TRANSFER_ENCODING_NOT_CHUNKED, "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked, gzip\r\n\r\n"),
                Arguments.of(ParseError.TRANSFER_ENCODING_NOT_CHUNKED, "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"),
                Arguments.of(ParseError.TRANSFER_ENCODING_NOT_CHUNKED, "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked;x=1\r\n\r\n"),
                Arguments.of(ParseError.TRANSFER_ENCODING_NOT_CHUNKED, "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding:\r\n\r\n"),
                Arguments.of(ParseError.TRANSFER_ENCODING_NOT_CHUNKED, "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: xchunked\r\n\r\n"),
                Arguments.of(ParseError.TRANSFER_ENCODING_IN_HTTP_1_0, "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"),
                Arguments.of(ParseError.UNSUPPORTED_TRANSFER_CODING, "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: gzip, chunked\r\n\r\n"),
                Arguments.of(ParseError.UNSUPPORTED_TRANSFER_CODING, "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"),
                // RFC 9112 §7.1: chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
                Arguments.of(ParseError.BAD_CHUNK_SIZE, chunkedHead + "zz\r\n"),
                Arguments.of(ParseError.BAD_CHUNK_SIZE, chunkedHead + "\r\n"),
                Arguments.of(ParseError.BAD_CHUNK_SIZE, chunkedHead + "-1\r\n"),
                Arguments.of(ParseError.BAD_CHUNK_SIZE, chunkedHead + "0x5\r\n"),
                Arguments.of(ParseError.BAD_CHUNK_SIZE, chunkedHead + "0".repeat(HttpRequestParser.MAX_CHUNK_SIZE_DIGITS + 1) + "\r\n"),
                Arguments.of(ParseError.BAD_CHUNK_EXTENSION, chunkedHead + "1;\r\nz\r\n0\r\n\r\n"),
                Arguments.of(ParseError.BAD_CHUNK_EXTENSION, chunkedHead + "1;=v\r\nz\r\n0\r\n\r\n"),
                Arguments.of(ParseError.BAD_CHUNK_EXTENSION, chunkedHead + "1 \r\nz\r\n0\r\n\r\n"),
                Arguments.of(ParseError.BAD_CHUNK_EXTENSION, chunkedHead + "1;a=\r\nz\r\n0\r\n\r\n"),
                Arguments.of(ParseError.BAD_CHUNK_EXTENSION, chunkedHead + "1;a=\"open\r\nz\r\n0\r\n\r\n"),
                Arguments.of(ParseError.BAD_CHUNK_EXTENSION, chunkedHead + "1;a=b c\r\nz\r\n0\r\n\r\n"),
                Arguments.of(ParseError.BAD_CHUNK_EXTENSION, chunkedHead + "1;a\u0001\r\nz\r\n0\r\n\r\n"),
                Arguments.of(ParseError.BAD_CHUNK_END, chunkedHead + "3\r\nabcd\r\n0\r\n\r\n"),
                Arguments.of(ParseError.BAD_CHUNK_END, chunkedHead + "3\r\nabc\rX"),
                Arguments.of(ParseError.BARE_CR, chunkedHead + "3\rabc\r\n"),
                Arguments.of(ParseError.BAD_FIELD_NAME, chunkedHead + "0\r\nBad(Trailer: x\r\n\r\n"),
                Arguments.of(ParseError.OBS_FOLD, chunkedHead + "0\r\nT: x\r\n y\r\n\r\n"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("malformed")
    void malformedRequestsAreRefusedWithTheirReason(ParseError expected, String input) {
        assertError(expected, input);
    }

    @Test
    void errorsMapToTheStatusesOfRfc9110() {
        for (ParseError e : ParseError.values()) {
            int s = e.status();
            assertTrue(s == 400 || s == 413 || s == 414 || s == 431 || s == 501 || s == 505, e + " -> " + s);
        }
        assertEquals(501, ParseError.UNSUPPORTED_TRANSFER_CODING.status());
        assertEquals(505, ParseError.VERSION_NOT_SUPPORTED.status());
        assertEquals(400, ParseError.OBS_FOLD.status());
        assertEquals(400, ParseError.CONTENT_LENGTH_WITH_TRANSFER_ENCODING.status());
    }

    @Test
    void requestsBeforeAnErrorAreStillReported() {
        Outcome o = check("GET /ok HTTP/1.1\r\nHost: a\r\n\r\nGET /bad HTTP/1.1\r\nHost: a\r\nX : y\r\n\r\nGET /never HTTP/1.1\r\nHost: a\r\n\r\n");
        assertEquals(List.of("/ok"), o.messages().stream().map(Message::target).toList());
        assertSame(ParseError.WHITESPACE_BEFORE_COLON, o.error());
    }

    @Test
    void randomGarbageNeverEscapesAsAnException() {
        // Whatever the bytes, the parser reports requests, an error or a need for more: it never throws.
        Random random = new Random(SEED);
        String valid = "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;e=\"q\"\r\nabc\r\n0\r\nT: v\r\n\r\n";
        for (int i = 0; i < 2000; i++) {
            byte[] b = bytes(valid);
            for (int k = 0, n = 1 + random.nextInt(4); k < n; k++) {
                b[random.nextInt(b.length)] = (byte) random.nextInt(256);
            }
            Outcome whole = ParserHarness.parse(LIMITS, b, new int[0]);
            assertEquals(whole, ParserHarness.byteByByte(LIMITS, b));
        }
    }
}
