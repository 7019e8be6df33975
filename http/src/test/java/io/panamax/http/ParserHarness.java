package io.panamax.http;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Feeds bytes to an {@link HttpRequestParser} in pieces (each in a segment of its own, so the
 * parser cannot lean on an earlier input) and records what it reported, in a form that compares
 * equal however the bytes were split.
 */
final class ParserHarness {
    private ParserHarness() {
    }

    /** One complete request as the parser reported it. */
    record Message(String method, Method knownMethod, String target, int major, int minor, List<String> fields,
                   Framing framing, long contentLength, boolean persistent, Expectation expectation, String body,
                   List<String> trailers) {
    }

    /** Everything reported for one input: the complete requests, then an error or a partial request. */
    record Outcome(List<Message> messages, ParseError error, boolean partial) {
        Message only() {
            if (messages.size() != 1 || error != null) {
                throw new AssertionError("expected exactly one request, got " + this);
            }
            return messages.getFirst();
        }
    }

    static Outcome whole(RequestLimits limits, String input) {
        return parse(limits, bytes(input), new int[0]);
    }

    static Outcome whole(String input) {
        return whole(RequestLimits.defaults(), input);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Splits at every offset: one byte per input. */
    static Outcome byteByByte(RequestLimits limits, byte[] input) {
        int[] cuts = new int[Math.max(0, input.length - 1)];
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] = i + 1;
        }
        return parse(limits, input, cuts);
    }

    /** Splits at {@code n} random offsets. */
    static Outcome randomSplits(RequestLimits limits, byte[] input, Random random, int n) {
        int[] cuts = new int[n];
        for (int i = 0; i < n; i++) {
            cuts[i] = input.length == 0 ? 0 : random.nextInt(input.length + 1);
        }
        Arrays.sort(cuts);
        return parse(limits, input, cuts);
    }

    /** Parses {@code input} cut at the sorted offsets {@code cuts}. */
    static Outcome parse(RequestLimits limits, byte[] input, int[] cuts) {
        HttpRequestParser parser = new HttpRequestParser(limits);
        List<Message> messages = new ArrayList<>();
        Builder current = null;
        int from = 0;
        for (int c = 0; c <= cuts.length; c++) {
            int to = c < cuts.length ? cuts[c] : input.length;
            MemorySegment piece = MemorySegment.ofArray(Arrays.copyOfRange(input, from, to));
            from = to;
            parser.input(piece, 0, piece.byteSize());
            while (true) {
                HttpRequestParser.Event e = parser.next();
                switch (e) {
                    case NEED_MORE -> {
                    }
                    case HEAD -> current = new Builder(parser.head());
                    case BODY -> {
                        if (current == null) {
                            throw new AssertionError("BODY before HEAD");
                        }
                        for (int i = 0; i < parser.bodyLength(); i++) {
                            current.body.write(piece.get(ValueLayout.JAVA_BYTE, parser.bodyOffset() + i));
                        }
                    }
                    case END -> {
                        if (current == null) {
                            throw new AssertionError("END before HEAD");
                        }
                        messages.add(current.build(parser.head()));
                        current = null;
                    }
                    case ERROR -> {
                        if (parser.next() != HttpRequestParser.Event.ERROR) {
                            throw new AssertionError("the parser left its error state");
                        }
                        return new Outcome(messages, parser.error(), false);
                    }
                }
                if (e == HttpRequestParser.Event.NEED_MORE) {
                    if (parser.remaining() != 0) {
                        throw new AssertionError("NEED_MORE with " + parser.remaining() + " bytes left");
                    }
                    break;
                }
            }
        }
        return new Outcome(messages, null, current != null || !parser.betweenRequests());
    }

    private static final class Builder {
        final String method;
        final Method knownMethod;
        final String target;
        final int major;
        final int minor;
        final List<String> fields = new ArrayList<>();
        final Framing framing;
        final long contentLength;
        final boolean persistent;
        final Expectation expectation;
        final ByteArrayOutputStream body = new ByteArrayOutputStream();

        Builder(RequestHead h) {
            method = h.methodName();
            knownMethod = h.method();
            target = h.target();
            major = h.versionMajor();
            minor = h.versionMinor();
            for (int i = 0; i < h.fieldCount(); i++) {
                fields.add(h.fieldName(i) + ": " + h.fieldValue(i));
            }
            framing = h.framing();
            contentLength = h.contentLength();
            persistent = h.persistent();
            expectation = h.expectation();
        }

        Message build(RequestHead h) {
            List<String> trailers = new ArrayList<>();
            for (int i = 0; i < h.trailerCount(); i++) {
                trailers.add(h.trailerName(i) + ": " + h.trailerValue(i));
            }
            // The head must still be what it was at HEAD.
            if (!h.target().equals(target) || h.fieldCount() != fields.size()) {
                throw new AssertionError("the head changed between HEAD and END");
            }
            return new Message(method, knownMethod, target, major, minor, List.copyOf(fields), framing, contentLength,
                    persistent, expectation, body.toString(StandardCharsets.ISO_8859_1), List.copyOf(trailers));
        }
    }
}
