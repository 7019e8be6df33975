package io.panamax.tcp;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * A shard's connections by 4-tuple: open addressing with linear probing over parallel arrays, the
 * key held as one long (local and remote address) and one int (both ports), so a lookup boxes
 * nothing and allocates nothing. Deletion shifts later entries back (no tombstones); the table
 * doubles when half full.
 */
final class ConnectionTable {
    private long[] addresses;
    private int[] ports;
    private Tcb[] values;
    private int mask;
    private int size;

    ConnectionTable(int initialCapacity) {
        int cap = Integer.highestOneBit(Math.max(16, initialCapacity) - 1) << 1;
        allocate(cap);
    }

    private void allocate(int cap) {
        addresses = new long[cap];
        ports = new int[cap];
        values = new Tcb[cap];
        mask = cap - 1;
    }

    static long addressKey(int localIp, int remoteIp) {
        return (long) localIp << 32 | (remoteIp & 0xffffffffL);
    }

    static int portKey(int localPort, int remotePort) {
        return localPort << 16 | (remotePort & 0xffff);
    }

    private static int slot(long addr, int portKey, int mask) {
        long h = addr * 0x9E3779B97F4A7C15L ^ (portKey * 0xC2B2AE3D27D4EB4FL);
        h ^= h >>> 29;
        h *= 0xBF58476D1CE4E5B9L;
        h ^= h >>> 32;
        return (int) h & mask;
    }

    int size() {
        return size;
    }

    /** The connection with this 4-tuple, or null. */
    Tcb get(int localIp, int remoteIp, int localPort, int remotePort) {
        long a = addressKey(localIp, remoteIp);
        int p = portKey(localPort, remotePort);
        int i = slot(a, p, mask);
        Tcb v;
        while ((v = values[i]) != null) {
            if (addresses[i] == a && ports[i] == p) {
                return v;
            }
            i = (i + 1) & mask;
        }
        return null;
    }

    /** Adds a connection; its 4-tuple must not be in the table. */
    void put(Tcb tcb) {
        if ((size + 1) * 2 > values.length) {
            grow();
        }
        insert(addressKey(tcb.localIp, tcb.remoteIp), portKey(tcb.localPort, tcb.remotePort), tcb);
        size++;
    }

    private void insert(long a, int p, Tcb tcb) {
        int i = slot(a, p, mask);
        while (values[i] != null) {
            if (addresses[i] == a && ports[i] == p) {
                throw new IllegalStateException("4-tuple already in use: " + tcb);
            }
            i = (i + 1) & mask;
        }
        addresses[i] = a;
        ports[i] = p;
        values[i] = tcb;
    }

    /** Removes {@code tcb} if it is the entry for its 4-tuple; returns whether it was. */
    boolean remove(Tcb tcb) {
        long a = addressKey(tcb.localIp, tcb.remoteIp);
        int p = portKey(tcb.localPort, tcb.remotePort);
        int i = slot(a, p, mask);
        while (values[i] != null) {
            if (addresses[i] == a && ports[i] == p) {
                if (values[i] != tcb) {
                    return false;
                }
                deleteAt(i);
                size--;
                return true;
            }
            i = (i + 1) & mask;
        }
        return false;
    }

    /** Backward-shift deletion: moves later entries of the probe run into the hole. */
    private void deleteAt(int hole) {
        int i = hole;
        while (true) {
            i = (i + 1) & mask;
            Tcb v = values[i];
            if (v == null) {
                break;
            }
            int home = slot(addresses[i], ports[i], mask);
            // Move the entry back if its home slot is not in (hole, i] cyclically.
            boolean stays = hole <= i ? (home > hole && home <= i) : (home > hole || home <= i);
            if (!stays) {
                addresses[hole] = addresses[i];
                ports[hole] = ports[i];
                values[hole] = v;
                hole = i;
            }
        }
        values[hole] = null;
        addresses[hole] = 0;
        ports[hole] = 0;
    }

    private void grow() {
        long[] oa = addresses;
        int[] op = ports;
        Tcb[] ov = values;
        allocate(ov.length * 2);
        for (int i = 0; i < ov.length; i++) {
            if (ov[i] != null) {
                insert(oa[i], op[i], ov[i]);
            }
        }
    }

    /** Calls {@code action} on a snapshot of every connection (it may remove them). */
    void forEach(Consumer<Tcb> action) {
        Tcb[] snapshot = Arrays.stream(values).filter(v -> v != null).toArray(Tcb[]::new);
        for (Tcb t : snapshot) {
            action.accept(t);
        }
    }
}
