package io.panamax.benchmarks.http;

import io.panamax.http.HttpRequestParser;
import io.panamax.http.HttpRequestParser.Event;
import io.panamax.http.RequestLimits;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Requests per second through the HTTP/1.1 request parser of the echo sample, from off-heap memory
 * (where a packet's payload is), for the requests its clients send: wrk's minimal GET, curl's GET,
 * a browser's GET with a dozen fields, a 1 KiB Content-Length POST, a chunked upload with an
 * extension and a trailer, 16 wrk requests pipelined in one input, and curl's GET fed one byte at a
 * time (the worst split). Run with {@code -prof gc}: every parser method allocates 0 B/op in steady
 * state (the request head's storage is reused).
 *
 * <p>The peer, in the same run: {@link #naiveStringParse}, what a straightforward parser does (decode
 * to a String, split lines, a HashMap of fields), on the same curl GET.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HttpParserBenchmark {
    static final String WRK_GET = "GET / HTTP/1.1\r\nHost: 10.7.0.2:8080\r\n\r\n";
    static final String CURL_GET = "GET /hello?x=1 HTTP/1.1\r\nHost: 10.7.0.2:8080\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n";
    static final String BROWSER_GET = "GET /static/app.js?v=20240611 HTTP/1.1\r\n"
            + "Host: www.example.com\r\n"
            + "Connection: keep-alive\r\n"
            + "sec-ch-ua: \"Chromium\";v=\"124\", \"Google Chrome\";v=\"124\", \"Not-A.Brand\";v=\"99\"\r\n"
            + "sec-ch-ua-mobile: ?0\r\n"
            + "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36\r\n"
            + "sec-ch-ua-platform: \"Linux\"\r\n"
            + "Accept: */*\r\n"
            + "Sec-Fetch-Site: same-origin\r\n"
            + "Sec-Fetch-Mode: no-cors\r\n"
            + "Sec-Fetch-Dest: script\r\n"
            + "Referer: https://www.example.com/\r\n"
            + "Accept-Encoding: gzip, deflate, br, zstd\r\n"
            + "Accept-Language: en-GB,en;q=0.9\r\n"
            + "Cookie: session=4f2a9c1e7b3d8a6f; theme=dark\r\n\r\n";
    static final String POST_1K = "POST /api/items HTTP/1.1\r\nHost: 10.7.0.2:8080\r\nUser-Agent: curl/7.88.1\r\n"
            + "Accept: */*\r\nContent-Type: application/json\r\nContent-Length: 1024\r\n\r\n" + "x".repeat(1024);
    static final String CHUNKED = "PUT /upload HTTP/1.1\r\nHost: 10.7.0.2:8080\r\nTransfer-Encoding: chunked\r\n"
            + "Expect: 100-continue\r\n\r\n"
            + "100\r\n" + "a".repeat(256) + "\r\n100;part=2\r\n" + "b".repeat(256) + "\r\n"
            + "100\r\n" + "c".repeat(256) + "\r\n100\r\n" + "d".repeat(256) + "\r\n0\r\nX-Checksum: 5d41402a\r\n\r\n";
    static final int PIPELINED = 16;

    private final HttpRequestParser parser = new HttpRequestParser(RequestLimits.defaults());
    private Arena arena;
    private MemorySegment wrkGet;
    private MemorySegment curlGet;
    private MemorySegment browserGet;
    private MemorySegment post1k;
    private MemorySegment chunked;
    private MemorySegment pipelined;
    private byte[] curlGetBytes;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofConfined();
        wrkGet = offHeap(WRK_GET);
        curlGet = offHeap(CURL_GET);
        browserGet = offHeap(BROWSER_GET);
        post1k = offHeap(POST_1K);
        chunked = offHeap(CHUNKED);
        pipelined = offHeap(WRK_GET.repeat(PIPELINED));
        curlGetBytes = CURL_GET.getBytes(StandardCharsets.ISO_8859_1);
        // Grow the head's storage to its working size, as a connection's first requests do.
        for (MemorySegment s : new MemorySegment[] {browserGet, chunked}) {
            parseOne(s);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    private MemorySegment offHeap(String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        MemorySegment m = arena.allocate(b.length);
        MemorySegment.copy(b, 0, m, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, b.length);
        return m;
    }

    /** Parses one whole request from {@code input}; returns a value that depends on all of it. */
    private long parseOne(MemorySegment input) {
        parser.input(input, 0, input.byteSize());
        long seen = 0;
        while (true) {
            Event e = parser.next();
            switch (e) {
                case HEAD -> seen += parser.head().fieldCount();
                case BODY -> seen += parser.bodyLength();
                case END -> {
                    return seen;
                }
                default -> throw new IllegalStateException(e + " " + parser.error());
            }
        }
    }

    @Benchmark
    public long wrkGet() {
        return parseOne(wrkGet);
    }

    @Benchmark
    public long curlGet() {
        return parseOne(curlGet);
    }

    @Benchmark
    public long browserGet() {
        return parseOne(browserGet);
    }

    @Benchmark
    public long post1KiB() {
        return parseOne(post1k);
    }

    @Benchmark
    public long chunkedUpload() {
        return parseOne(chunked);
    }

    @Benchmark
    @OperationsPerInvocation(PIPELINED)
    public long pipelined16() {
        parser.input(pipelined, 0, pipelined.byteSize());
        long seen = 0;
        for (Event e = parser.next(); e != Event.NEED_MORE; e = parser.next()) {
            if (e == Event.END) {
                seen++;
            } else if (e == Event.ERROR) {
                throw new IllegalStateException(parser.error().toString());
            }
        }
        return seen;
    }

    @Benchmark
    public long curlGetByteByByte() {
        long n = curlGet.byteSize();
        long seen = 0;
        for (long i = 0; i < n; i++) {
            parser.input(curlGet, i, 1);
            for (Event e = parser.next(); e != Event.NEED_MORE; e = parser.next()) {
                seen += e.ordinal();
                if (e == Event.END) {
                    return seen;
                }
            }
        }
        throw new IllegalStateException("incomplete");
    }

    /** The peer: a straightforward String-based parse of the same curl GET (headers only). */
    @Benchmark
    public Map<String, String> naiveStringParse() {
        String text = new String(curlGetBytes, StandardCharsets.ISO_8859_1);
        String[] lines = text.split("\r\n");
        String[] requestLine = lines[0].split(" ");
        Map<String, String> fields = new HashMap<>();
        fields.put(":method", requestLine[0]);
        fields.put(":target", requestLine[1]);
        for (int i = 1; i < lines.length && !lines[i].isEmpty(); i++) {
            int colon = lines[i].indexOf(':');
            fields.put(lines[i].substring(0, colon).toLowerCase(), lines[i].substring(colon + 1).strip());
        }
        return fields;
    }
}
