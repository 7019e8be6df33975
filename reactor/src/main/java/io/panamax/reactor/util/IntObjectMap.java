package io.panamax.reactor.util;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * A map from {@code int} keys to objects with open addressing and linear probing: lookups box
 * nothing and allocate nothing, which {@code HashMap<Integer, V>} cannot promise on a per-packet
 * path. Deletion shifts later entries back (no tombstones). Single-threaded.
 */
public final class IntObjectMap<V> {
    private int[] keys;
    private Object[] values;
    private int size;
    private int mask;

    public IntObjectMap() {
        this(16);
    }

    public IntObjectMap(int expected) {
        int cap = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
        keys = new int[cap];
        values = new Object[cap];
        mask = cap - 1;
    }

    private static int hash(int key) {
        int h = key * 0x9E3779B9; // Fibonacci hashing spreads sequential keys (ports, addresses)
        return h ^ (h >>> 16);
    }

    @SuppressWarnings("unchecked")
    public V get(int key) {
        int i = slotOf(key);
        return i < 0 ? null : (V) values[i];
    }

    /** The slot holding {@code key}, or -1: the probe run from its home to the first empty slot. */
    private int slotOf(int key) {
        int i = hash(key) & mask;
        while (true) {
            if (values[i] == null) {
                return -1;
            }
            if (keys[i] == key) {
                return i;
            }
            i = (i + 1) & mask;
        }
    }

    public boolean containsKey(int key) {
        return get(key) != null;
    }

    /** Associates {@code value} (not null) with {@code key}; returns the previous value or null. */
    @SuppressWarnings("unchecked")
    public V put(int key, V value) {
        if (value == null) {
            throw new NullPointerException("null values are not stored; use remove");
        }
        int i = hash(key) & mask;
        while (true) {
            Object v = values[i];
            if (v == null) {
                keys[i] = key;
                values[i] = value;
                if (++size * 2 > keys.length) {
                    grow();
                }
                return null;
            }
            if (keys[i] == key) {
                values[i] = value;
                return (V) v;
            }
            i = (i + 1) & mask;
        }
    }

    /** Removes the entry for {@code key}; returns its value or null. */
    @SuppressWarnings("unchecked")
    public V remove(int key) {
        int i = slotOf(key);
        if (i < 0) {
            return null;
        }
        Object v = values[i];
        shiftBack(i);
        size--;
        return (V) v;
    }

    /** Backward-shift deletion: moves later entries of the probe run into the hole. */
    private void shiftBack(int hole) {
        int i = hole;
        while (true) {
            i = (i + 1) & mask;
            Object v = values[i];
            if (v == null) {
                break;
            }
            int home = hash(keys[i]) & mask;
            // The entry at i may move to the hole if its home is not in (hole, i] (cyclically).
            boolean stays = hole <= i ? (hole < home && home <= i) : (hole < home || home <= i);
            if (!stays) {
                keys[hole] = keys[i];
                values[hole] = v;
                hole = i;
            }
        }
        values[hole] = null;
    }

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** Calls {@code action} on every value (the map must not change meanwhile). */
    @SuppressWarnings("unchecked")
    public void forEachValue(Consumer<? super V> action) {
        for (Object v : values) {
            if (v != null) {
                action.accept((V) v);
            }
        }
    }

    /** The keys, in no particular order (allocates). */
    public int[] keys() {
        int[] out = new int[size];
        int n = 0;
        for (int i = 0; i < values.length; i++) {
            if (values[i] != null) {
                out[n++] = keys[i];
            }
        }
        return out;
    }

    public void clear() {
        Arrays.fill(values, null);
        size = 0;
    }

    private void grow() {
        int[] oldKeys = keys;
        Object[] oldValues = values;
        keys = new int[oldKeys.length * 2];
        values = new Object[oldKeys.length * 2];
        mask = keys.length - 1;
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldValues[i] != null) {
                insertFresh(oldKeys[i], oldValues[i]);
            }
        }
    }

    private void insertFresh(int key, Object value) {
        int i = hash(key) & mask;
        while (values[i] != null) {
            i = (i + 1) & mask;
        }
        keys[i] = key;
        values[i] = value;
        size++;
    }
}
