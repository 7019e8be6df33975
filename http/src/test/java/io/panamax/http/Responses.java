package io.panamax.http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Splits the bytes a client received into HTTP/1.1 responses, strictly (the test's own reader). */
final class Responses {
    private Responses() {
    }

    /** One response: status, header fields in order, content. */
    record Response(int status, List<String[]> fields, byte[] content) {
        /** The value of the first field named {@code name} (any case), or null. */
        String field(String name) {
            for (String[] f : fields) {
                if (f[0].equalsIgnoreCase(name)) {
                    return f[1];
                }
            }
            return null;
        }

        String text() {
            return new String(content, StandardCharsets.ISO_8859_1);
        }

        @Override
        public String toString() {
            return status + " " + fields.stream().map(f -> f[0] + ": " + f[1]).toList() + " +" + content.length + " bytes";
        }
    }

    /**
     * Every response in {@code data}, interim ones (1xx) included; {@code noContent} holds the
     * indexes, among final responses, of those that answer HEAD. Fails unless the bytes are exactly
     * a sequence of complete responses.
     */
    static List<Response> parse(byte[] data, Set<Integer> noContent) {
        List<Response> out = new ArrayList<>();
        int at = 0;
        int finals = 0;
        while (at < data.length) {
            int headEnd = indexOf(data, at, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            if (headEnd < 0) {
                throw new AssertionError("incomplete response head at byte " + at + ": "
                        + new String(data, at, data.length - at, StandardCharsets.ISO_8859_1));
            }
            String[] lines = new String(data, at, headEnd - at, StandardCharsets.ISO_8859_1).split("\r\n");
            if (!lines[0].matches("HTTP/1\\.1 \\d{3} .*")) {
                throw new AssertionError("bad status-line: " + lines[0]);
            }
            int status = Integer.parseInt(lines[0].substring(9, 12));
            List<String[]> fields = new ArrayList<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon <= 0) {
                    throw new AssertionError("bad field line: " + lines[i]);
                }
                fields.add(new String[] {lines[i].substring(0, colon), lines[i].substring(colon + 1).strip()});
            }
            at = headEnd + 4;
            byte[] content = new byte[0];
            if (status >= 200) {
                String cl = null;
                for (String[] f : fields) {
                    if (f[0].toLowerCase(Locale.ROOT).equals("content-length")) {
                        cl = f[1];
                    }
                }
                if (cl == null) {
                    throw new AssertionError("no Content-Length in " + lines[0]);
                }
                if (!noContent.contains(finals)) {
                    int n = Integer.parseInt(cl);
                    if (at + n > data.length) {
                        throw new AssertionError("content cut short: " + (data.length - at) + " of " + n + " bytes");
                    }
                    content = Arrays.copyOfRange(data, at, at + n);
                    at += n;
                }
                finals++;
            }
            out.add(new Response(status, fields, content));
        }
        return out;
    }

    static List<Response> parse(byte[] data) {
        return parse(data, Set.of());
    }

    static int indexOf(byte[] data, int from, byte[] pattern) {
        outer:
        for (int i = from; i <= data.length - pattern.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
