package io.panamax.rss;

import java.security.SecureRandom;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Chooses the local port of an active open so that the connection's replies are steered back to
 * the shard that opened it, and keeps that shard's ports in use.
 *
 * <p>A reply to a connection from {@code localIp:localPort} to {@code remoteIp:remotePort} arrives
 * with source {@code remoteIp:remotePort} and destination {@code localIp:localPort}; the NIC (or
 * the receiving shard, in software) hashes exactly that 4-tuple and {@link FlowSteering} maps the
 * hash to a shard. The local port is the only free field, so {@link #allocate} tries ports from a
 * random start until one both is free on this shard and steers to it. About one port in
 * {@code shards} steers to a given shard, so a connect takes about {@code shards} tries of two
 * table loads each ({@link Toeplitz#ipv4TcpDestinationPortTerm}).
 *
 * <p>The tries do not walk port by port but by a stride of about 0.618 of the range (coprime with
 * its size, so every port is still visited once). The hash is linear in the port's bits, and with
 * some keys the low hash bits that index the table do not depend on the port's low bits at all:
 * neighbouring ports then steer alike in runs, and a port-by-port walk took up to twelve times
 * {@code shards} tries on average in simulation over random keys; the stride keeps it near
 * {@code shards} for every key tried.
 *
 * <p><b>Why two shards never choose the same 4-tuple.</b> Each shard has its own allocator and
 * they share nothing, yet no coordination is needed: a 4-tuple steers to exactly one shard (the
 * steering is a function of the tuple, identical on every shard), and a shard only ever accepts a
 * port whose tuple steers to itself. Another shard could choose the same local port only for a
 * different remote endpoint, hence a different tuple. Within a shard the in-use set keeps ports
 * unique. This holds as long as every shard's {@link FlowSteering} has the same key and table;
 * after a rebalance, connections whose tuples moved belong to the wrong shard whatever their port.
 *
 * <p>A port stays in use for this shard until {@link #release}: the TCP layer releases it when the
 * connection is gone for good (after TIME_WAIT), not at close. A port is unique per shard, not
 * per 4-tuple, which caps a shard at about {@code range / shards} connections to one remote
 * endpoint: with the default range and 4 shards, about 7058 per shard and 28232 in all, as many as
 * Linux allows to one endpoint. Ports bound explicitly (listeners, bind before connect) are kept
 * out with {@link #reserve}.
 *
 * <p>Whether some port steers to a shard depends on the key. The port's contribution to the table
 * index is a linear map of its bits, and for some keys that map misses part of the table, so that
 * for some destinations no port steers to some shards: about 0.4% of random 40-byte keys with a
 * 128-entry table, never the standard key, which reaches every entry of tables up to 4096 from the
 * default range. The constructor checks this for its shard and refuses such a key with a clear
 * error.
 *
 * <p>The random start is RFC 6056's simple port randomization: it makes the port hard for an
 * off-path attacker to guess. An allocator is confined to its shard's thread; it allocates nothing
 * after construction.
 */
public final class LocalPortAllocator {
    /** (√5 − 1) / 2: successive multiples modulo 1 spread most evenly (Fibonacci hashing). */
    private static final double GOLDEN_SECTION = 0.6180339887498949;

    private final FlowSteering steering;
    private final int shard;
    private final PortRange range;
    /** Bit {@code port - range.first()} is set when the port is in use. */
    private final long[] inUse;
    private final int stride;
    private int inUseCount;
    private long allocations;
    private long tries;
    private final SplittableRandom random;

    /**
     * An allocator for {@code shard} over Linux's default ephemeral range, seeded from
     * {@link SecureRandom}.
     */
    public LocalPortAllocator(FlowSteering steering, int shard) {
        this(steering, shard, PortRange.LINUX_EPHEMERAL, new SecureRandom().nextLong());
    }

    /**
     * An allocator for {@code shard} over {@code range}; {@code seed} fixes the sequence of
     * starting points (tests, benchmarks).
     *
     * @param steering the steering of the shard that uses this allocator (its own copy)
     * @throws IllegalArgumentException when {@code shard} is not one of the steering's shards, or
     *                                  no table entry leads to it (it could never receive a reply)
     */
    public LocalPortAllocator(FlowSteering steering, int shard, PortRange range, long seed) {
        this.steering = Objects.requireNonNull(steering, "steering");
        this.range = Objects.requireNonNull(range, "range");
        if (shard < 0 || shard >= steering.shards()) {
            throw new IllegalArgumentException("shard " + shard + " is not one of the " + steering.shards()
                    + " shards 0.." + (steering.shards() - 1));
        }
        if (!steering.ownsAnyEntry(shard)) {
            throw new IllegalArgumentException("no redirection table entry leads to shard " + shard
                    + ": no reply could reach it, so it cannot open connections");
        }
        requireEveryDestinationReachable(steering, shard, range);
        this.shard = shard;
        this.inUse = new long[(range.size() + Long.SIZE - 1) / Long.SIZE];
        this.stride = coprimeStride(range.size());
        this.random = new SplittableRandom(seed);
    }

    /**
     * Chooses a free local port whose replies steer to this shard, and marks it in use.
     *
     * @param localIp    the local address the connection is opened from
     * @param remoteIp   the address connected to
     * @param remotePort the port connected to, 1..65535
     * @return the local port
     * @throws LocalPortsExhaustedException when every port that would steer here is in use
     * @throws IllegalArgumentException     when {@code remotePort} is not a port
     */
    public int allocate(int localIp, int remoteIp, int remotePort) {
        requireRemotePort(remotePort);
        // The reply's hash with destination port 0; each candidate port XORs in its own term.
        int port = walk(steering.toeplitz().hashIpv4Tcp(remoteIp, localIp, remotePort, 0), false);
        if (port < 0) {
            throw exhausted(AddressText.formatIpv4(localIp) + " -> " + AddressText.formatIpv4(remoteIp) + ":" + remotePort,
                    steering.toeplitz().hashIpv4Tcp(remoteIp, localIp, remotePort, 0), false);
        }
        return port;
    }

    /**
     * {@link #allocate} for a connection over IPv6: the reply's IPv6 4-tuple (remote → local,
     * remotePort → port) steers to this shard. An address is two longs, the first eight bytes most
     * significant first. The constructor's reachability check covers the IPv4 port terms only; with
     * a key whose IPv6 port terms miss this shard's entries for some destination, that destination
     * gets a {@link LocalPortsExhaustedException} saying that no port steers here.
     *
     * @throws LocalPortsExhaustedException when every port that would steer here is in use
     * @throws IllegalStateException        when the key is shorter than the 40 bytes an IPv6 4-tuple needs
     */
    public int allocate6(long localHigh, long localLow, long remoteHigh, long remoteLow, int remotePort) {
        requireRemotePort(remotePort);
        int withoutPort = steering.toeplitz().hashIpv6Tcp(remoteHigh, remoteLow, localHigh, localLow, remotePort, 0);
        int port = walk(withoutPort, true);
        if (port < 0) {
            throw exhausted(ipv6Text(localHigh, localLow) + " -> [" + ipv6Text(remoteHigh, remoteLow) + "]:" + remotePort,
                    withoutPort, true);
        }
        return port;
    }

    private static void requireRemotePort(int remotePort) {
        if (remotePort < 1 || remotePort > PortRange.MAX_PORT) {
            throw new IllegalArgumentException("remote port must be 1.." + PortRange.MAX_PORT + ", got " + remotePort);
        }
    }

    /** The first free port from a random start whose reply hash steers here, marked in use; -1 when none. */
    private int walk(int replyHashWithoutPort, boolean ipv6) {
        int size = range.size();
        if (inUseCount >= size) {
            return -1;
        }
        Toeplitz toeplitz = steering.toeplitz();
        int offset = random.nextInt(size);
        for (int tried = 1; tried <= size; tried++) {
            if (!isSet(offset)) {
                int port = range.first() + offset;
                int term = ipv6 ? toeplitz.ipv6TcpDestinationPortTerm(port) : toeplitz.ipv4TcpDestinationPortTerm(port);
                if (steering.shardOf(replyHashWithoutPort ^ term) == shard) {
                    set(offset);
                    allocations++;
                    tries += tried;
                    return port;
                }
            }
            offset += stride;
            if (offset >= size) {
                offset -= size;
            }
        }
        tries += size;
        return -1;
    }

    private static String ipv6Text(long high, long low) {
        byte[] b = java.nio.ByteBuffer.allocate(16).putLong(high).putLong(low).array();
        try {
            return java.net.InetAddress.getByAddress(b).getHostAddress();
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError("16 bytes are an IPv6 address", e);
        }
    }

    /** The failure, saying whether ports ran out or none steers here (the table changed since). */
    private LocalPortsExhaustedException exhausted(String flow, int replyHashWithoutPort, boolean ipv6) {
        Toeplitz toeplitz = steering.toeplitz();
        int steeringHere = 0;
        for (int port = range.first(); port <= range.last(); port++) {
            int term = ipv6 ? toeplitz.ipv6TcpDestinationPortTerm(port) : toeplitz.ipv4TcpDestinationPortTerm(port);
            if (steering.shardOf(replyHashWithoutPort ^ term) == shard) {
                steeringHere++;
            }
        }
        String why = steeringHere == 0
                ? "no port of " + range + " steers replies to this shard with the current key and table"
                : "all " + steeringHere + " ports of " + range + " whose replies steer to this shard are in use ("
                        + inUseCount + " ports in use here)";
        return new LocalPortsExhaustedException("no free local port for " + flow + " on shard " + shard + ": " + why, shard);
    }

    /**
     * Marks {@code port} in use, for a port bound explicitly; ports outside the range need no
     * reservation and return {@code true}.
     *
     * @return false when the port was already in use
     */
    public boolean reserve(int port) {
        requirePort(port);
        if (!range.contains(port)) {
            return true;
        }
        int offset = port - range.first();
        if (isSet(offset)) {
            return false;
        }
        set(offset);
        return true;
    }

    /**
     * Returns {@code port} to the free ports of this shard.
     *
     * @throws IllegalArgumentException when the port is outside the range
     * @throws IllegalStateException    when the port is not in use (a double release is a bug)
     */
    public void release(int port) {
        requirePort(port);
        if (!range.contains(port)) {
            throw new IllegalArgumentException("port " + port + " is not in the ephemeral range " + range);
        }
        int offset = port - range.first();
        if (!isSet(offset)) {
            throw new IllegalStateException("port " + port + " is not in use on shard " + shard);
        }
        inUse[offset >>> 6] &= ~(1L << offset);
        inUseCount--;
    }

    /** Whether {@code port} is in use on this shard (ports outside the range are not tracked). */
    public boolean isInUse(int port) {
        return range.contains(port) && isSet(port - range.first());
    }

    /** Ports of the range in use on this shard. */
    public int inUseCount() {
        return inUseCount;
    }

    /** Successful {@link #allocate} calls so far, for the shard's metrics. */
    public long allocations() {
        return allocations;
    }

    /**
     * Ports examined by {@link #allocate} so far, failed calls included; {@code tries() /
     * allocations()} near the shard count is the expected cost.
     */
    public long tries() {
        return tries;
    }

    /** The ports this allocator chooses from. */
    public PortRange range() {
        return range;
    }

    /** The shard this allocator chooses for. */
    public int shard() {
        return shard;
    }

    /**
     * Refuses a key and table for which some destination could be reached from no port of the
     * range. Ports contribute {@code term(port) & (size - 1)} to the table index (linearity); a
     * destination contributes some {@code c}; the shard is reachable for {@code c} when some term
     * leads from {@code c} to one of its entries. Runs once per allocator, over the range and the
     * table: a few hundred microseconds.
     */
    private static void requireEveryDestinationReachable(FlowSteering steering, int shard, PortRange range) {
        Toeplitz toeplitz = steering.toeplitz();
        int size = steering.tableSize();
        int indexMask = size - 1;
        boolean[] reached = new boolean[size];
        int distinct = 0;
        for (int port = range.first(); port <= range.last(); port++) {
            int index = toeplitz.ipv4TcpDestinationPortTerm(port) & indexMask;
            if (!reached[index]) {
                reached[index] = true;
                distinct++;
            }
        }
        if (distinct == size) {
            return;
        }
        int[] terms = new int[distinct];
        for (int index = 0, n = 0; index < size; index++) {
            if (reached[index]) {
                terms[n++] = index;
            }
        }
        for (int destination = 0; destination < size; destination++) {
            boolean reachable = false;
            for (int term : terms) {
                if (steering.shardOf(destination ^ term) == shard) {
                    reachable = true;
                    break;
                }
            }
            if (!reachable) {
                throw new IllegalArgumentException("with RSS key " + RssKey.toHex(toeplitz.key()) + " the local ports "
                        + range + " reach only " + distinct + " of the " + size + " redirection table entries, and for"
                        + " some destinations none that leads to shard " + shard + ": it could not connect to them."
                        + " Use another key, such as the standard one");
            }
        }
    }

    /** The first step at or above the golden section of {@code size} that is coprime with it. */
    static int coprimeStride(int size) {
        int stride = Math.max(1, (int) (size * GOLDEN_SECTION));
        while (gcd(stride, size) != 1) {
            stride++;
        }
        return stride;
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int r = a % b;
            a = b;
            b = r;
        }
        return a;
    }

    private static void requirePort(int port) {
        if (port < 1 || port > PortRange.MAX_PORT) {
            throw new IllegalArgumentException("a port is 1.." + PortRange.MAX_PORT + ", got " + port);
        }
    }

    private boolean isSet(int offset) {
        return (inUse[offset >>> 6] & 1L << offset) != 0;
    }

    private void set(int offset) {
        inUse[offset >>> 6] |= 1L << offset;
        inUseCount++;
    }
}
