package io.panamax.samples.resp;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;

/**
 * One shard's part of the keyspace: the keys whose hash names this shard
 * ({@link RespServer#owner}). Used only on its shard, so a plain {@link HashMap}: no lock, no
 * atomic, as every other per-shard structure in the stack. Keys are binary-safe (bytes read as
 * ISO-8859-1, one char per byte).
 */
final class KeyStore {
    private final HashMap<String, byte[]> values = new HashMap<>();

    static String key(byte[] raw) {
        return new String(raw, StandardCharsets.ISO_8859_1);
    }

    int size() {
        return values.size();
    }

    /**
     * Runs a command on a key this shard owns; returns its RESP2 reply. The command name is
     * upper-case; the arity was checked by the caller.
     */
    byte[] execute(String command, List<byte[]> args) {
        String key = key(args.get(1));
        return switch (command) {
            case "GET" -> {
                byte[] v = values.get(key);
                yield v == null ? Replies.NIL : Replies.bulk(v);
            }
            case "SET" -> {
                values.put(key, args.get(2));
                yield Replies.OK;
            }
            case "DEL" -> values.remove(key) != null ? Replies.ONE : Replies.ZERO;
            case "INCR" -> incr(key);
            default -> throw new IllegalArgumentException(command);
        };
    }

    /** INCR: the value as a signed 64-bit decimal, plus one; absent counts as 0 (redis.io/commands/incr). */
    private byte[] incr(String key) {
        byte[] v = values.get(key);
        Long n = v == null ? Long.valueOf(0) : canonicalLong(new String(v, StandardCharsets.ISO_8859_1));
        if (n == null) {
            return Replies.NOT_AN_INTEGER;
        }
        if (n == Long.MAX_VALUE) {
            return Replies.error("ERR increment or decrement would overflow");
        }
        long next = n + 1;
        values.put(key, Long.toString(next).getBytes(StandardCharsets.ISO_8859_1));
        return Replies.integer(next);
    }

    /** The number {@code s} spells, if Redis would print it back the same (no '+', spaces or leading zeros); else null. */
    private static Long canonicalLong(String s) {
        if (s.isEmpty() || s.length() > 20 || s.charAt(0) == '+') {
            return null;
        }
        try {
            long n = Long.parseLong(s);
            return Long.toString(n).equals(s) ? n : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
