package io.panamax.tcp;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * A shard's connections of one address family by 4-tuple: open addressing with linear probing
 * over parallel arrays, so a lookup boxes nothing and allocates nothing. Deletion shifts later
 * entries back (no tombstones); the table doubles when half full.
 *
 * <p>The key is the local and remote address in {@link #width} longs per slot and both ports in
 * one int. IPv4 ({@link #ipv4}): one long (the two 32-bit addresses side by side), so the IPv4
 * lookup is one long and one int compared, as before IPv6. IPv6 ({@link #ipv6}): four longs, the
 * two 128-bit addresses as high and low halves, the form the IPv6 layer hands them over in. A
 * family flag with the addresses in place, rather than interned address ids, because an id would
 * cost a second table lookup per segment and a reference count per connection, and SYN cookies
 * and ISNs must hash the addresses themselves anyway. Each {@link Tcp} holds one table per family.
 */
final class ConnectionTable {
    private final int width;
    private long[] addresses;
    private int[] ports;
    private Tcb[] values;
    private int mask;
    private int size;

    private ConnectionTable(int width, int initialCapacity) {
        this.width = width;
        int cap = Integer.highestOneBit(Math.max(16, initialCapacity) - 1) << 1;
        allocate(cap);
    }

    /** A table of IPv4 connections. */
    static ConnectionTable ipv4(int initialCapacity) {
        return new ConnectionTable(1, initialCapacity);
    }

    /** A table of IPv6 connections. */
    static ConnectionTable ipv6(int initialCapacity) {
        return new ConnectionTable(4, initialCapacity);
    }

    private void allocate(int cap) {
        addresses = new long[cap * width];
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

    /** The four IPv6 address halves folded into one long for {@link #slot}. */
    private static long fold6(long localHigh, long localLow, long remoteHigh, long remoteLow) {
        return ((localHigh * 0x9E3779B97F4A7C15L + localLow) * 0xC2B2AE3D27D4EB4FL + remoteHigh) * 0x9E3779B97F4A7C15L + remoteLow;
    }

    /** The home slot of the entry at {@code i}. */
    private int homeOf(int i) {
        int k = i * width;
        long a = width == 1 ? addresses[k] : fold6(addresses[k], addresses[k + 1], addresses[k + 2], addresses[k + 3]);
        return slot(a, ports[i], mask);
    }

    int size() {
        return size;
    }

    /** The IPv4 connection with this 4-tuple, or null. */
    Tcb get(int localIp, int remoteIp, int localPort, int remotePort) {
        assert width == 1;
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

    /** The IPv6 connection with this 4-tuple, or null. */
    Tcb get6(long localHigh, long localLow, long remoteHigh, long remoteLow, int localPort, int remotePort) {
        assert width == 4;
        int p = portKey(localPort, remotePort);
        int i = slot(fold6(localHigh, localLow, remoteHigh, remoteLow), p, mask);
        Tcb v;
        while ((v = values[i]) != null) {
            int k = i * 4;
            if (ports[i] == p && addresses[k + 1] == localLow && addresses[k + 3] == remoteLow
                    && addresses[k] == localHigh && addresses[k + 2] == remoteHigh) {
                return v;
            }
            i = (i + 1) & mask;
        }
        return null;
    }

    /** Adds a connection of this table's family; its 4-tuple must not be in the table. */
    void put(Tcb tcb) {
        assert tcb.ipv6 == (width == 4);
        if ((size + 1) * 2 > values.length) {
            grow();
        }
        insert(tcb);
        size++;
    }

    /** The slot holding {@code tcb}'s 4-tuple, or -1; with {@code free}, the empty slot it would go to as {@code -2 - slot}. */
    private int find(Tcb tcb) {
        int p = portKey(tcb.localPort, tcb.remotePort);
        int i;
        if (width == 1) {
            long a = addressKey(tcb.localIp, tcb.remoteIp);
            i = slot(a, p, mask);
            while (values[i] != null) {
                if (addresses[i] == a && ports[i] == p) {
                    return i;
                }
                i = (i + 1) & mask;
            }
        } else {
            i = slot(fold6(tcb.localHigh, tcb.localLow, tcb.remoteHigh, tcb.remoteLow), p, mask);
            while (values[i] != null) {
                int k = i * 4;
                if (ports[i] == p && addresses[k] == tcb.localHigh && addresses[k + 1] == tcb.localLow
                        && addresses[k + 2] == tcb.remoteHigh && addresses[k + 3] == tcb.remoteLow) {
                    return i;
                }
                i = (i + 1) & mask;
            }
        }
        return -2 - i;
    }

    private void insert(Tcb tcb) {
        int found = find(tcb);
        if (found >= 0) {
            throw new IllegalStateException("4-tuple already in use: " + tcb);
        }
        int i = -2 - found;
        int k = i * width;
        if (width == 1) {
            addresses[k] = addressKey(tcb.localIp, tcb.remoteIp);
        } else {
            addresses[k] = tcb.localHigh;
            addresses[k + 1] = tcb.localLow;
            addresses[k + 2] = tcb.remoteHigh;
            addresses[k + 3] = tcb.remoteLow;
        }
        ports[i] = portKey(tcb.localPort, tcb.remotePort);
        values[i] = tcb;
    }

    /** Removes {@code tcb} if it is the entry for its 4-tuple; returns whether it was. */
    boolean remove(Tcb tcb) {
        int i = find(tcb);
        if (i < 0 || values[i] != tcb) {
            return false;
        }
        deleteAt(i);
        size--;
        return true;
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
            int home = homeOf(i);
            // Move the entry back if its home slot is not in (hole, i] cyclically.
            boolean stays = hole <= i ? (home > hole && home <= i) : (home > hole || home <= i);
            if (!stays) {
                System.arraycopy(addresses, i * width, addresses, hole * width, width);
                ports[hole] = ports[i];
                values[hole] = v;
                hole = i;
            }
        }
        values[hole] = null;
        Arrays.fill(addresses, hole * width, hole * width + width, 0L);
        ports[hole] = 0;
    }

    private void grow() {
        Tcb[] ov = values;
        allocate(ov.length * 2);
        for (Tcb t : ov) {
            if (t != null) {
                insert(t);
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
