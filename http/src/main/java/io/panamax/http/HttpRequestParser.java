package io.panamax.http;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static io.panamax.http.Ascii.BACKSLASH;
import static io.panamax.http.Ascii.COLON;
import static io.panamax.http.Ascii.COMMA;
import static io.panamax.http.Ascii.CR;
import static io.panamax.http.Ascii.DQUOTE;
import static io.panamax.http.Ascii.EQUALS;
import static io.panamax.http.Ascii.LF;
import static io.panamax.http.Ascii.SEMICOLON;
import static io.panamax.http.Ascii.SP;
import static io.panamax.http.Ascii.isWhitespace;

/**
 * An incremental parser of HTTP/1.1 requests (RFC 9112): a state machine over bytes that knows
 * nothing of connections. The caller hands it whatever bytes arrived ({@link #input}) and pulls
 * events ({@link #next}) until it asks for more:
 *
 * <pre>{@code
 * parser.input(segment, offset, length);
 * for (Event e = parser.next(); e != Event.NEED_MORE; e = parser.next()) {
 *     switch (e) {
 *         case HEAD -> ...  // parser.head(): request-line, fields, framing
 *         case BODY -> ...  // content bytes: parser.bodyOffset(), parser.bodyLength() in the input
 *         case END -> ...   // the request is complete (trailers in parser.head())
 *         case ERROR -> ... // parser.error(): answer its status and close; the parser stays here
 *     }
 * }
 * }</pre>
 *
 * <p>Requests may be split anywhere and several may arrive together (pipelining): the parser stops
 * at each event, so the caller answers them in order. The request-line and field lines are copied
 * into the {@link RequestHead}, whose storage is reused; content is never copied: a {@code BODY}
 * event names a range of the current input (chunked content already decoded, RFC 9112 §7.1.3).
 * Parsing allocates nothing once the head's storage has grown to the connection's largest request.
 *
 * <p>What it accepts is strict where leniency lets two parsers disagree on where a message ends
 * (request smuggling, RFC 9112 §11.2): Content-Length and Transfer-Encoding together, a
 * Transfer-Encoding whose final coding is not chunked, conflicting Content-Lengths, obs-fold,
 * whitespace before a colon and bare CRs are all errors. Lines may end in a bare LF (RFC 9112 §2.2
 * allows it), and empty lines before a request-line are skipped.
 *
 * <p>Not thread-safe: one parser per connection.
 */
public final class HttpRequestParser {

    /** What {@link #next} found. */
    public enum Event {
        /** Every byte of the input is consumed: call {@link #input} with more. */
        NEED_MORE,
        /** The request-line and header section are complete: see {@link #head()}. */
        HEAD,
        /** Content bytes: {@link #bodyLength()} bytes at {@link #bodyOffset()} of the input. */
        BODY,
        /** The request is complete (trailer section included); the next call starts the next request. */
        END,
        /** The request is malformed or over a limit: {@link #error()}; every later call says so again. */
        ERROR
    }

    /** Empty lines skipped before a request-line (RFC 9112 §2.2 asks for at least one). */
    static final int MAX_EMPTY_LINES = 16;
    /** The longest method accepted (RFC 9112 §3: longer than any implemented is a 501). */
    static final int MAX_METHOD_BYTES = 32;
    /** Digits of a chunk-size, leading zeros included. */
    static final int MAX_CHUNK_SIZE_DIGITS = 32;

    private static final byte[] HTTP_NAME = Ascii.bytes("HTTP/");
    private static final byte[] HOST = Ascii.bytes("host");
    private static final byte[] CONTENT_LENGTH = Ascii.bytes("content-length");
    private static final byte[] TRANSFER_ENCODING = Ascii.bytes("transfer-encoding");
    private static final byte[] CONNECTION = Ascii.bytes("connection");
    private static final byte[] EXPECT = Ascii.bytes("expect");
    private static final byte[] CHUNKED = Ascii.bytes("chunked");
    private static final byte[] CLOSE = Ascii.bytes("close");
    private static final byte[] KEEP_ALIVE = Ascii.bytes("keep-alive");
    private static final byte[] HUNDRED_CONTINUE = Ascii.bytes("100-continue");

    // ---- states ------------------------------------------------------------------------------
    // request-line (RFC 9112 §3)
    private static final int REQUEST_START = 0;
    private static final int REQUEST_START_LF = 1;
    private static final int METHOD = 2;
    private static final int TARGET = 3;
    private static final int VERSION = 4;
    private static final int REQUEST_LINE_LF = 5;
    // field lines of the header and trailer sections (RFC 9112 §5)
    private static final int FIELD_START = 6;
    private static final int FIELD_NAME = 7;
    private static final int FIELD_VALUE_START = 8;
    private static final int FIELD_VALUE = 9;
    private static final int FIELD_LINE_LF = 10;
    private static final int SECTION_END_LF = 11;
    // content (RFC 9112 §6)
    private static final int HEAD_DONE = 12;
    private static final int CONTENT = 13;
    // chunked transfer coding (RFC 9112 §7.1)
    private static final int CHUNK_SIZE_START = 14;
    private static final int CHUNK_SIZE = 15;
    private static final int EXT_BWS = 16;
    private static final int EXT_NAME_START = 17;
    private static final int EXT_NAME = 18;
    private static final int EXT_NAME_BWS = 19;
    private static final int EXT_VALUE_START = 20;
    private static final int EXT_TOKEN = 21;
    private static final int EXT_QUOTED = 22;
    private static final int EXT_QUOTED_PAIR = 23;
    private static final int EXT_AFTER_QUOTED = 24;
    private static final int CHUNK_LINE_LF = 25;
    private static final int CHUNK_DATA = 26;
    private static final int CHUNK_DATA_END = 27;
    private static final int CHUNK_DATA_END_LF = 28;
    // ends
    private static final int MESSAGE_DONE = 29;
    private static final int FAILED = 30;

    private final RequestLimits limits;
    private final RequestHead head = new RequestHead();

    private MemorySegment in = MemorySegment.NULL;
    private long pos;
    private long end;

    private int state = REQUEST_START;
    private ParseError error;
    private int emptyLines;
    /** Bytes of the request-line so far. */
    private int lineBytes;
    /** Bytes of the current field section so far. */
    private int sectionBytes;
    private boolean inTrailers;
    private int versionIndex;
    /** Index of the field line being read. */
    private int field;
    /** {@code head.length} just after the last non-whitespace byte of the value being read. */
    private int valueEnd;
    /** Content bytes still to come: of the message (Content-Length) or of the chunk. */
    private long remaining;
    /** Chunked: the chunk-size being read, then the sum of all chunk sizes. */
    private long chunkSize;
    private long contentSoFar;
    private int chunkSizeDigits;
    private int extensionBytes;
    private long bodyOffset;
    private int bodyLength;

    public HttpRequestParser(RequestLimits limits) {
        this.limits = limits;
    }

    public RequestLimits limits() {
        return limits;
    }

    /**
     * The bytes to parse next: {@code length} bytes of {@code data} from {@code offset}. Call it
     * at the start and after {@link Event#NEED_MORE}; the parser keeps no reference past the
     * next {@code input}.
     */
    public void input(MemorySegment data, long offset, long length) {
        this.in = data;
        this.pos = offset;
        this.end = offset + length;
    }

    /** Bytes of the current input not consumed yet. */
    public long remaining() {
        return end - pos;
    }

    /** The request being parsed (see {@link RequestHead} for when it is valid). */
    public RequestHead head() {
        return head;
    }

    /** After {@link Event#BODY}: where the content bytes are in the input segment. */
    public long bodyOffset() {
        return bodyOffset;
    }

    /** After {@link Event#BODY}: how many content bytes. */
    public int bodyLength() {
        return bodyLength;
    }

    /** After {@link Event#ERROR}: why. */
    public ParseError error() {
        return error;
    }

    /** Whether the parser is between requests: no byte of the next request-line read yet. */
    public boolean betweenRequests() {
        return state == REQUEST_START || state == REQUEST_START_LF || state == MESSAGE_DONE;
    }

    /** Whether the parser is inside a request-line or header section (not its content or trailers). */
    public boolean readingHead() {
        return state >= METHOD && state <= SECTION_END_LF && !inTrailers;
    }

    /** Forgets everything, errors included: the next byte starts a request. */
    public void reset() {
        error = null;
        startMessage();
    }

    /** Parses up to the next event. */
    public Event next() {
        switch (state) {
            case FAILED:
                return Event.ERROR;
            case MESSAGE_DONE:
                startMessage();
                break;
            case HEAD_DONE:
                switch (head.framing) {
                    case CHUNKED -> state = CHUNK_SIZE_START;
                    case CONTENT_LENGTH -> {
                        remaining = head.contentLength;
                        state = CONTENT;
                    }
                    default -> {
                        state = MESSAGE_DONE;
                        return Event.END;
                    }
                }
                break;
            default:
                break;
        }
        if (state == CONTENT) {
            if (remaining == 0) {
                state = MESSAGE_DONE;
                return Event.END;
            }
            return content(false);
        }
        if (state == CHUNK_DATA) {
            return content(true);
        }
        return scan();
    }

    /** Content bytes available in the input, up to what the message (or chunk) still has. */
    private Event content(boolean chunk) {
        long available = end - pos;
        if (available == 0) {
            return Event.NEED_MORE;
        }
        int n = (int) Math.min(Math.min(remaining, available), Integer.MAX_VALUE);
        bodyOffset = pos;
        bodyLength = n;
        pos += n;
        remaining -= n;
        if (chunk && remaining == 0) {
            state = CHUNK_DATA_END;
        }
        return Event.BODY;
    }

    private void startMessage() {
        head.clear();
        state = REQUEST_START;
        emptyLines = 0;
        lineBytes = 0;
        sectionBytes = 0;
        inTrailers = false;
        versionIndex = 0;
        remaining = 0;
        chunkSize = 0;
        contentSoFar = 0;
        chunkSizeDigits = 0;
        extensionBytes = 0;
        bodyLength = 0;
    }

    private Event fail(ParseError e, long at) {
        pos = at;
        error = e;
        state = FAILED;
        return Event.ERROR;
    }

    /** The byte-at-a-time states: runs until an event or the end of the input. */
    private Event scan() {
        final MemorySegment in = this.in;
        final long end = this.end;
        final RequestHead head = this.head;
        long p = pos;
        while (p < end) {
            byte b = in.get(ValueLayout.JAVA_BYTE, p);
            switch (state) {
                // ---- request-line ------------------------------------------------------------
                case REQUEST_START -> {
                    if (b == CR || b == LF) {
                        // RFC 9112 §2.2: empty lines before a request-line are ignored (a client
                        // may send an extra CRLF after a POST's content).
                        if (++emptyLines > MAX_EMPTY_LINES) {
                            return fail(ParseError.TOO_MANY_EMPTY_LINES, p);
                        }
                        if (b == CR) {
                            state = REQUEST_START_LF;
                        }
                        p++;
                    } else if (Ascii.isTchar(b)) {
                        state = METHOD;
                    } else {
                        return fail(ParseError.BAD_REQUEST_LINE, p);
                    }
                }
                case REQUEST_START_LF -> {
                    if (b != LF) {
                        return fail(ParseError.BARE_CR, p);
                    }
                    state = REQUEST_START;
                    p++;
                }
                case METHOD -> {
                    if (Ascii.isTchar(b)) {
                        if (head.length == MAX_METHOD_BYTES) {
                            return fail(ParseError.METHOD_TOO_LONG, p);
                        }
                        head.append(b);
                        p++;
                    } else if (b == SP) {
                        head.methodEnd = head.length;
                        head.method = Method.of(head.bytes, 0, head.length);
                        head.targetStart = head.length;
                        lineBytes = head.length + 1;
                        state = TARGET;
                        p++;
                    } else {
                        return fail(ParseError.BAD_REQUEST_LINE, p);
                    }
                }
                case TARGET -> {
                    int limit = limits.maxRequestLineBytes();
                    while (Ascii.isTargetChar(b)) {
                        if (++lineBytes > limit) {
                            return fail(ParseError.URI_TOO_LONG, p);
                        }
                        head.append(b);
                        if (++p == end) {
                            break;
                        }
                        b = in.get(ValueLayout.JAVA_BYTE, p);
                    }
                    if (p == end) {
                        break;
                    }
                    if (b != SP || head.length == head.targetStart) {
                        // A CR or LF here is an HTTP/0.9 request-line, which HTTP/1.1 does not know.
                        return fail(b == SP || b == CR || b == LF ? ParseError.BAD_REQUEST_LINE : ParseError.BAD_TARGET, p);
                    }
                    head.targetEnd = head.length;
                    if (!targetHasAForm()) {
                        return fail(ParseError.BAD_TARGET, p);
                    }
                    lineBytes++;
                    versionIndex = 0;
                    state = VERSION;
                    p++;
                }
                case VERSION -> {
                    if (versionIndex < 8 && ++lineBytes > limits.maxRequestLineBytes()) {
                        return fail(ParseError.URI_TOO_LONG, p);
                    }
                    // HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive (RFC 9112 §2.3).
                    int i = versionIndex;
                    if (i < HTTP_NAME.length) {
                        if (b != HTTP_NAME[i]) {
                            return fail(ParseError.BAD_VERSION, p);
                        }
                    } else if (i == 5 || i == 7) {
                        if (b < '0' || b > '9') {
                            return fail(ParseError.BAD_VERSION, p);
                        }
                        if (i == 5) {
                            head.versionMajor = b - '0';
                        } else {
                            head.versionMinor = b - '0';
                        }
                    } else if (i == 6) {
                        if (b != '.') {
                            return fail(ParseError.BAD_VERSION, p);
                        }
                    } else if (b == CR) {
                        state = REQUEST_LINE_LF;
                    } else if (b == LF) {
                        if (!requestLineDone()) {
                            return fail(error, p);
                        }
                    } else {
                        return fail(ParseError.BAD_VERSION, p);
                    }
                    versionIndex++;
                    p++;
                }
                case REQUEST_LINE_LF -> {
                    if (b != LF) {
                        return fail(ParseError.BARE_CR, p);
                    }
                    if (!requestLineDone()) {
                        return fail(error, p);
                    }
                    p++;
                }
                // ---- field lines -------------------------------------------------------------
                case FIELD_START -> {
                    if (++sectionBytes > limits.maxFieldSectionBytes()) {
                        return fail(sectionTooLarge(), p);
                    }
                    if (b == CR) {
                        state = SECTION_END_LF;
                        p++;
                    } else if (b == LF) {
                        p++;
                        Event e = sectionDone(p);
                        if (e != null) {
                            return e;
                        }
                    } else if (Ascii.isTchar(b)) {
                        int lines = inTrailers ? head.trailerCount : head.fieldCount;
                        if (lines >= limits.maxFieldLines()) {
                            return fail(inTrailers ? ParseError.TRAILER_SECTION_TOO_LARGE : ParseError.TOO_MANY_HEADER_FIELDS, p);
                        }
                        sectionBytes--; // counted again by FIELD_NAME
                        field = head.beginField();
                        state = FIELD_NAME;
                    } else if (isWhitespace(b)) {
                        // obs-fold (RFC 9112 §5.2), or whitespace before the first field line
                        // (§2.2): both MUST be rejected or repaired; a server rejects.
                        return fail(ParseError.OBS_FOLD, p);
                    } else {
                        return fail(ParseError.BAD_FIELD_NAME, p);
                    }
                }
                case FIELD_NAME -> {
                    if (++sectionBytes > limits.maxFieldSectionBytes()) {
                        return fail(sectionTooLarge(), p);
                    }
                    if (Ascii.isTchar(b)) {
                        head.append(b);
                    } else if (b == COLON) {
                        int f = field * RequestHead.FIELD_INTS;
                        head.fields[f + 1] = head.length;
                        head.fields[f + 2] = head.length;
                        valueEnd = head.length;
                        state = FIELD_VALUE_START;
                    } else if (isWhitespace(b)) {
                        return fail(ParseError.WHITESPACE_BEFORE_COLON, p);
                    } else {
                        return fail(ParseError.BAD_FIELD_NAME, p);
                    }
                    p++;
                }
                case FIELD_VALUE_START -> {
                    if (isWhitespace(b)) {
                        if (++sectionBytes > limits.maxFieldSectionBytes()) {
                            return fail(sectionTooLarge(), p);
                        }
                        p++;
                    } else {
                        head.fields[field * RequestHead.FIELD_INTS + 2] = head.length;
                        valueEnd = head.length;
                        state = FIELD_VALUE;
                    }
                }
                case FIELD_VALUE -> {
                    int limit = limits.maxFieldSectionBytes();
                    while (true) {
                        if (++sectionBytes > limit) {
                            return fail(sectionTooLarge(), p);
                        }
                        if (Ascii.isFieldVchar(b)) {
                            head.append(b);
                            valueEnd = head.length;
                        } else if (isWhitespace(b)) {
                            head.append(b);
                        } else {
                            break;
                        }
                        if (++p == end) {
                            break;
                        }
                        b = in.get(ValueLayout.JAVA_BYTE, p);
                    }
                    if (p == end) {
                        break;
                    }
                    if (b == CR) {
                        state = FIELD_LINE_LF;
                        p++;
                    } else if (b == LF) {
                        p++;
                        ParseError e = fieldDone();
                        if (e != null) {
                            return fail(e, p);
                        }
                    } else {
                        // CTLs, NUL and DEL are invalid and dangerous in a field value (RFC 9110 §5.5).
                        return fail(ParseError.BAD_FIELD_VALUE, p);
                    }
                }
                case FIELD_LINE_LF -> {
                    if (b != LF) {
                        return fail(ParseError.BARE_CR, p);
                    }
                    if (++sectionBytes > limits.maxFieldSectionBytes()) {
                        return fail(sectionTooLarge(), p);
                    }
                    p++;
                    ParseError e = fieldDone();
                    if (e != null) {
                        return fail(e, p);
                    }
                }
                case SECTION_END_LF -> {
                    if (b != LF) {
                        return fail(ParseError.BARE_CR, p);
                    }
                    if (++sectionBytes > limits.maxFieldSectionBytes()) {
                        return fail(sectionTooLarge(), p);
                    }
                    p++;
                    Event e = sectionDone(p);
                    if (e != null) {
                        return e;
                    }
                }
                // ---- chunked: chunk-size [ chunk-ext ] CRLF ----------------------------------------
                case CHUNK_SIZE_START -> {
                    if (!Ascii.isHexdig(b)) {
                        return fail(ParseError.BAD_CHUNK_SIZE, p);
                    }
                    chunkSize = 0;
                    chunkSizeDigits = 0;
                    state = CHUNK_SIZE;
                }
                case CHUNK_SIZE -> {
                    if (Ascii.isHexdig(b)) {
                        if (++chunkSizeDigits > MAX_CHUNK_SIZE_DIGITS) {
                            return fail(ParseError.BAD_CHUNK_SIZE, p);
                        }
                        chunkSize = chunkSize << 4 | Ascii.hexValue(b);
                        // Checked at every digit, so the size never overflows (the limit is far below 2^60).
                        if (contentSoFar + chunkSize > limits.maxContentBytes()) {
                            return fail(ParseError.CONTENT_TOO_LARGE, p);
                        }
                        p++;
                    } else if (b == CR) {
                        state = CHUNK_LINE_LF;
                        p++;
                    } else if (b == LF) {
                        p++;
                        chunkLineDone();
                    } else if (b == SEMICOLON || isWhitespace(b)) {
                        Event e = extensionByte(p);
                        if (e != null) {
                            return e;
                        }
                        state = b == SEMICOLON ? EXT_NAME_START : EXT_BWS;
                        p++;
                    } else {
                        return fail(ParseError.BAD_CHUNK_SIZE, p);
                    }
                }
                case EXT_BWS, EXT_NAME_START, EXT_NAME, EXT_NAME_BWS, EXT_VALUE_START, EXT_TOKEN, EXT_QUOTED,
                     EXT_QUOTED_PAIR, EXT_AFTER_QUOTED -> {
                    if (b == CR || b == LF) {
                        if (state != EXT_NAME && state != EXT_TOKEN && state != EXT_AFTER_QUOTED) {
                            return fail(ParseError.BAD_CHUNK_EXTENSION, p);
                        }
                        p++;
                        if (b == CR) {
                            state = CHUNK_LINE_LF;
                        } else {
                            chunkLineDone();
                        }
                    } else {
                        Event e = extensionByte(p);
                        if (e != null) {
                            return e;
                        }
                        int next = extensionState(state, b);
                        if (next < 0) {
                            return fail(ParseError.BAD_CHUNK_EXTENSION, p);
                        }
                        state = next;
                        p++;
                    }
                }
                case CHUNK_LINE_LF -> {
                    if (b != LF) {
                        return fail(ParseError.BARE_CR, p);
                    }
                    p++;
                    chunkLineDone();
                }
                case CHUNK_DATA -> {
                    pos = p;
                    return content(true);
                }
                case CHUNK_DATA_END -> {
                    if (b == CR) {
                        state = CHUNK_DATA_END_LF;
                    } else if (b == LF) {
                        state = CHUNK_SIZE_START;
                    } else {
                        return fail(ParseError.BAD_CHUNK_END, p);
                    }
                    p++;
                }
                case CHUNK_DATA_END_LF -> {
                    if (b != LF) {
                        return fail(ParseError.BAD_CHUNK_END, p);
                    }
                    state = CHUNK_SIZE_START;
                    p++;
                }
                default -> throw new IllegalStateException("parser state " + state + " reads no bytes");
            }
        }
        pos = p;
        return Event.NEED_MORE;
    }

    private ParseError sectionTooLarge() {
        return inTrailers ? ParseError.TRAILER_SECTION_TOO_LARGE : ParseError.HEADER_SECTION_TOO_LARGE;
    }

    /** Counts a byte of chunk extensions; an event (the error) when there are too many. */
    private Event extensionByte(long p) {
        if (++extensionBytes > limits.maxChunkExtensionBytes()) {
            return fail(ParseError.CHUNK_EXTENSIONS_TOO_LONG, p);
        }
        return null;
    }

    /**
     * chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ), with
     * chunk-ext-val = token / quoted-string (RFC 9112 §7.1.1): the state after byte {@code b}
     * (not CR or LF), or -1 when {@code b} cannot come here.
     */
    private static int extensionState(int state, byte b) {
        boolean ws = isWhitespace(b);
        return switch (state) {
            case EXT_BWS -> ws ? EXT_BWS : b == SEMICOLON ? EXT_NAME_START : -1;
            case EXT_NAME_START -> ws ? EXT_NAME_START : Ascii.isTchar(b) ? EXT_NAME : -1;
            case EXT_NAME -> Ascii.isTchar(b) ? EXT_NAME : ws ? EXT_NAME_BWS : b == EQUALS ? EXT_VALUE_START
                    : b == SEMICOLON ? EXT_NAME_START : -1;
            case EXT_NAME_BWS -> ws ? EXT_NAME_BWS : b == EQUALS ? EXT_VALUE_START : b == SEMICOLON ? EXT_NAME_START : -1;
            case EXT_VALUE_START -> ws ? EXT_VALUE_START : b == DQUOTE ? EXT_QUOTED : Ascii.isTchar(b) ? EXT_TOKEN : -1;
            case EXT_TOKEN -> Ascii.isTchar(b) ? EXT_TOKEN : ws ? EXT_BWS : b == SEMICOLON ? EXT_NAME_START : -1;
            case EXT_QUOTED -> b == DQUOTE ? EXT_AFTER_QUOTED : b == BACKSLASH ? EXT_QUOTED_PAIR
                    : Ascii.isQdtext(b) ? EXT_QUOTED : -1;
            case EXT_QUOTED_PAIR -> Ascii.isQuotedPairChar(b) ? EXT_QUOTED : -1;
            case EXT_AFTER_QUOTED -> ws ? EXT_BWS : b == SEMICOLON ? EXT_NAME_START : -1;
            default -> -1;
        };
    }

    /** The line after a chunk-size ended: chunk data follows, or the trailer section after the last chunk. */
    private void chunkLineDone() {
        contentSoFar += chunkSize;
        if (chunkSize == 0) {
            inTrailers = true;
            sectionBytes = 0;
            state = FIELD_START;
        } else {
            remaining = chunkSize;
            state = CHUNK_DATA;
        }
    }

    /** The request-line ended: false (with {@link #error} set) for a version this server does not speak. */
    private boolean requestLineDone() {
        if (head.versionMajor != 1) {
            error = ParseError.VERSION_NOT_SUPPORTED;
            return false;
        }
        sectionBytes = 0;
        state = FIELD_START;
        return true;
    }

    /**
     * RFC 9112 §3.2: origin-form ("/" path), asterisk-form ("*", OPTIONS only), authority-form
     * (CONNECT only) or absolute-form (a URI with a scheme).
     */
    private boolean targetHasAForm() {
        byte[] t = head.bytes;
        int from = head.targetStart;
        int to = head.targetEnd;
        if (t[from] == '/') {
            return true;
        }
        if (to - from == 1 && t[from] == '*') {
            return head.method == Method.OPTIONS;
        }
        if (head.method == Method.CONNECT) {
            return true;
        }
        // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) followed by ":" (RFC 3986 §3.1)
        if (!isAlpha(t[from])) {
            return false;
        }
        for (int i = from + 1; i < to; i++) {
            byte b = t[i];
            if (b == COLON) {
                return true;
            }
            if (!isAlpha(b) && !(b >= '0' && b <= '9') && b != '+' && b != '-' && b != '.') {
                return false;
            }
        }
        return false;
    }

    private static boolean isAlpha(byte b) {
        return (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z');
    }

    /** A field line ended: trims the value and interprets the fields that frame the message. */
    private ParseError fieldDone() {
        int f = field * RequestHead.FIELD_INTS;
        head.length = valueEnd; // drop trailing whitespace (RFC 9112 §5: OWS is not part of the value)
        head.fields[f + 3] = valueEnd;
        state = FIELD_START;
        if (inTrailers) {
            // Trailer fields are kept for the application; none of them may frame the message
            // (RFC 9110 §6.5.1), so none is interpreted.
            head.trailerCount++;
            return null;
        }
        head.fieldCount++;
        return interpret(head.fields[f], head.fields[f + 1], head.fields[f + 2], head.fields[f + 3]);
    }

    private ParseError interpret(int nameStart, int nameEnd, int valueStart, int valueEnd) {
        byte[] b = head.bytes;
        switch (nameEnd - nameStart) {
            case 4 -> {
                if (Ascii.equalsIgnoreCase(b, nameStart, nameEnd, HOST)) {
                    head.hostCount++;
                    head.badHost |= !validHost(b, valueStart, valueEnd);
                }
            }
            case 6 -> {
                if (Ascii.equalsIgnoreCase(b, nameStart, nameEnd, EXPECT)) {
                    expect(b, valueStart, valueEnd);
                }
            }
            case 10 -> {
                if (Ascii.equalsIgnoreCase(b, nameStart, nameEnd, CONNECTION)) {
                    connection(b, valueStart, valueEnd);
                }
            }
            case 14 -> {
                if (Ascii.equalsIgnoreCase(b, nameStart, nameEnd, CONTENT_LENGTH)) {
                    return contentLength(b, valueStart, valueEnd);
                }
            }
            case 17 -> {
                if (Ascii.equalsIgnoreCase(b, nameStart, nameEnd, TRANSFER_ENCODING)) {
                    transferEncoding(b, valueStart, valueEnd);
                }
            }
            default -> {
            }
        }
        return null;
    }

    /**
     * Content-Length = 1*DIGIT (RFC 9110 §8.6). Several field lines must agree (RFC 9112 §6.3
     * rule 5); a list, a sign or whitespace inside is an error. A value too large for a long is
     * still a length, just one over any limit.
     */
    private ParseError contentLength(byte[] b, int from, int to) {
        if (from == to) {
            return ParseError.BAD_CONTENT_LENGTH;
        }
        long v = 0;
        for (int i = from; i < to; i++) {
            byte c = b[i];
            if (c < '0' || c > '9') {
                return ParseError.BAD_CONTENT_LENGTH;
            }
            v = v > (Long.MAX_VALUE - 9) / 10 ? Long.MAX_VALUE : v * 10 + (c - '0');
        }
        if (head.contentLength >= 0 && head.contentLength != v) {
            return ParseError.CONFLICTING_CONTENT_LENGTH;
        }
        head.contentLength = v;
        return null;
    }

    /**
     * Transfer-Encoding = #transfer-coding (RFC 9112 §6.1): counts the codings, whether the last
     * one so far is chunked (without parameters), and the ones this server does not implement. An
     * empty field is a coding nobody knows.
     */
    private void transferEncoding(byte[] b, int from, int to) {
        int before = head.transferCodings;
        for (int i = from; i <= to; ) {
            i = nextListElement(b, i, to);
            int s = elementStart;
            int t = elementEnd;
            if (s < t) { // empty list elements are ignored (RFC 9110 §5.6.1)
                head.transferCodings++;
                if (Ascii.equalsIgnoreCase(b, s, t, CHUNKED)) {
                    head.chunkedCodings++;
                    head.chunkedLast = true;
                } else {
                    head.unknownCodings++;
                    head.chunkedLast = false;
                }
            }
        }
        if (head.transferCodings == before) {
            head.transferCodings++;
            head.unknownCodings++;
            head.chunkedLast = false;
        }
    }

    /** Where {@link #nextListElement} found the element it stepped over, whitespace trimmed. */
    private int elementStart;
    private int elementEnd;

    /**
     * One element of a #list (RFC 9110 §5.6.1) that starts at {@code i}: sets {@link #elementStart}
     * and {@link #elementEnd} to it without the optional whitespace around it (empty for an empty
     * element) and returns where the next element starts, after the comma ({@code to + 1} after
     * the last). The list rules are written once for every list-valued field read here.
     */
    private int nextListElement(byte[] b, int i, int to) {
        int e = i;
        while (e < to && b[e] != COMMA) {
            e++;
        }
        int s = i;
        int t = e;
        while (s < t && isWhitespace(b[s])) {
            s++;
        }
        while (t > s && isWhitespace(b[t - 1])) {
            t--;
        }
        elementStart = s;
        elementEnd = t;
        return e + 1;
    }

    /** Connection = #connection-option (RFC 9110 §7.6.1): looks for close and keep-alive. */
    private void connection(byte[] b, int from, int to) {
        for (int i = from; i <= to; ) {
            i = nextListElement(b, i, to);
            int s = elementStart;
            int t = elementEnd;
            if (Ascii.equalsIgnoreCase(b, s, t, CLOSE)) {
                head.connectionClose = true;
            } else if (Ascii.equalsIgnoreCase(b, s, t, KEEP_ALIVE)) {
                head.connectionKeepAlive = true;
            }
        }
    }

    /** Expect (RFC 9110 §10.1.1): 100-continue is the only expectation defined. */
    private void expect(byte[] b, int from, int to) {
        if (from == to) {
            return;
        }
        if (head.expectation != Expectation.UNSUPPORTED && Ascii.equalsIgnoreCase(b, from, to, HUNDRED_CONTINUE)) {
            head.expectation = Expectation.CONTINUE;
        } else {
            head.expectation = Expectation.UNSUPPORTED;
        }
    }

    /**
     * Host = uri-host [ ":" port ] (RFC 9110 §7.2): the characters of a reg-name, an IP literal
     * and a port; no whitespace, no path, no userinfo. Empty is allowed.
     */
    private static boolean validHost(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            byte c = b[i];
            boolean ok = isAlpha(c) || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~'
                    || c == '!' || c == '$' || c == '&' || c == '\'' || c == '(' || c == ')' || c == '*' || c == '+'
                    || c == ',' || c == ';' || c == '=' || c == '%' || c == ':' || c == '[' || c == ']';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** The empty line that ends a field section: the head is complete, or the whole message is. */
    private Event sectionDone(long p) {
        pos = p;
        if (inTrailers) {
            state = MESSAGE_DONE;
            return Event.END;
        }
        ParseError e = frame();
        if (e != null) {
            return fail(e, p);
        }
        state = HEAD_DONE;
        return Event.HEAD;
    }

    /** Decides how the content is delimited (RFC 9112 §6.3) and checks the rules that protect that decision. */
    private ParseError frame() {
        if (head.hostCount > 1) {
            return ParseError.DUPLICATE_HOST;
        }
        if (head.hostCount == 0 && head.isHttp11()) {
            return ParseError.MISSING_HOST;
        }
        if (head.badHost) {
            return ParseError.BAD_HOST;
        }
        if (head.transferCodings > 0) {
            if (!head.isHttp11()) {
                return ParseError.TRANSFER_ENCODING_IN_HTTP_1_0;
            }
            if (head.contentLength >= 0) {
                return ParseError.CONTENT_LENGTH_WITH_TRANSFER_ENCODING;
            }
            if (!head.chunkedLast || head.chunkedCodings > 1) {
                return ParseError.TRANSFER_ENCODING_NOT_CHUNKED;
            }
            if (head.unknownCodings > 0) {
                return ParseError.UNSUPPORTED_TRANSFER_CODING;
            }
            head.framing = Framing.CHUNKED;
        } else if (head.contentLength >= 0) {
            if (head.contentLength > limits.maxContentBytes()) {
                return ParseError.CONTENT_TOO_LARGE;
            }
            head.framing = Framing.CONTENT_LENGTH;
        } else {
            head.framing = Framing.NONE;
        }
        return null;
    }
}
