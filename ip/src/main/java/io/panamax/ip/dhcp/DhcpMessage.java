package io.panamax.ip.dhcp;

import io.panamax.reactor.buffer.NetworkBytes;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A DHCPv4 message (RFC 2131 §2, options RFC 2132) as a value: {@link #parse} reads one from the
 * bytes of a UDP payload and never throws, {@link #emit} writes one.
 *
 * <pre>
 *  0      1      2      3      4              8         10        12      16      20      24      28
 *  | op   | htype| hlen | hops | xid          | secs    | flags   |ciaddr |yiaddr |siaddr |giaddr |
 *  28: chaddr (16)  44: sname (64)  108: file (128)  236: magic cookie 99.130.83.99  240: options
 * </pre>
 *
 * <p>DHCP is the control path (a handful of messages per lease), so a parsed message is an object;
 * the data path never sees one. Only the options this client uses are kept (the rest are skipped
 * after their length is checked); option overload (52: options continued in {@code file} and
 * {@code sname}) is read; sent messages never overload.
 *
 * @param op        {@link #OP_BOOTREQUEST} or {@link #OP_BOOTREPLY}
 * @param xid       transaction ID chosen by the client
 * @param secs      seconds since the client began acquiring or renewing
 * @param flags     {@link #FLAG_BROADCAST} or 0
 * @param ciaddr    client address (only in BOUND, RENEWING, REBINDING)
 * @param yiaddr    "your" address: the address offered or assigned
 * @param siaddr    next server (BOOTP), unused here
 * @param giaddr    relay agent, 0 when none
 * @param chaddr    the client's 48-bit Ethernet address (htype 1, hlen 6)
 * @param options   the options present
 */
public record DhcpMessage(int op, int xid, int secs, int flags, int ciaddr, int yiaddr, int siaddr, int giaddr,
                          long chaddr, Options options) {

    public static final int OP_BOOTREQUEST = 1;
    public static final int OP_BOOTREPLY = 2;
    /** htype for Ethernet (RFC 1700 "Hardware Type"). */
    public static final int HTYPE_ETHERNET = 1;
    public static final int HLEN_ETHERNET = 6;
    /** RFC 2131 §2 figure 2: the B bit asks the server to broadcast its replies. */
    public static final int FLAG_BROADCAST = 0x8000;
    /** RFC 2131 §3: 99.130.83.99 starts the options field. */
    public static final int MAGIC_COOKIE = 0x63825363;
    public static final int SERVER_PORT = 67;
    public static final int CLIENT_PORT = 68;

    public static final int OFFSET_OP = 0;
    public static final int OFFSET_HTYPE = 1;
    public static final int OFFSET_HLEN = 2;
    public static final int OFFSET_HOPS = 3;
    public static final int OFFSET_XID = 4;
    public static final int OFFSET_SECS = 8;
    public static final int OFFSET_FLAGS = 10;
    public static final int OFFSET_CIADDR = 12;
    public static final int OFFSET_YIADDR = 16;
    public static final int OFFSET_SIADDR = 20;
    public static final int OFFSET_GIADDR = 24;
    public static final int OFFSET_CHADDR = 28;
    public static final int OFFSET_SNAME = 44;
    public static final int SNAME_LENGTH = 64;
    public static final int OFFSET_FILE = 108;
    public static final int FILE_LENGTH = 128;
    public static final int OFFSET_MAGIC_COOKIE = 236;
    public static final int OFFSET_OPTIONS = 240;
    /** Fixed part plus the cookie. */
    public static final int FIXED_LENGTH = OFFSET_OPTIONS;
    /**
     * RFC 2131 §2: a client must accept messages with up to 312 option bytes (576-byte IP datagrams),
     * and BOOTP relays expect at least 300 bytes of BOOTP message: sent messages are padded to this.
     */
    public static final int MIN_SENT_LENGTH = 300;

    // RFC 2132 option codes.
    public static final int OPTION_PAD = 0;
    public static final int OPTION_SUBNET_MASK = 1;
    public static final int OPTION_ROUTER = 3;
    public static final int OPTION_DNS = 6;
    public static final int OPTION_INTERFACE_MTU = 26;
    public static final int OPTION_REQUESTED_IP = 50;
    public static final int OPTION_LEASE_TIME = 51;
    public static final int OPTION_OVERLOAD = 52;
    public static final int OPTION_MESSAGE_TYPE = 53;
    public static final int OPTION_SERVER_ID = 54;
    public static final int OPTION_PARAMETER_REQUEST_LIST = 55;
    public static final int OPTION_MESSAGE = 56;
    public static final int OPTION_RENEWAL_TIME = 58;
    public static final int OPTION_REBINDING_TIME = 59;
    public static final int OPTION_CLIENT_ID = 61;
    public static final int OPTION_END = 255;

    // RFC 2132 §9.6 message types.
    public static final int DHCPDISCOVER = 1;
    public static final int DHCPOFFER = 2;
    public static final int DHCPREQUEST = 3;
    public static final int DHCPDECLINE = 4;
    public static final int DHCPACK = 5;
    public static final int DHCPNAK = 6;
    public static final int DHCPRELEASE = 7;
    public static final int DHCPINFORM = 8;

    /** A time option that was absent. Times are unsigned 32-bit seconds, 0xffffffff meaning infinity. */
    public static final long ABSENT = -1;
    /** RFC 2132 §9.2: a lease time of all ones is an infinite lease. */
    public static final long INFINITE = 0xffff_ffffL;
    /** RFC 2132 §5.1: the smallest legal interface MTU. */
    public static final int MIN_MTU = 68;

    /** Why bytes are not a usable DHCP message; names read as metric labels. */
    public enum Problem {
        NONE,
        /** Shorter than the 240-byte fixed part and cookie. */
        TRUNCATED,
        /** op is neither BOOTREQUEST nor BOOTREPLY. */
        BAD_OP,
        /** Not Ethernet (htype 1, hlen 6): the only hardware this stack has. */
        UNSUPPORTED_HARDWARE,
        /** The options do not start with 99.130.83.99 (a plain BOOTP message, RFC 951). */
        BAD_MAGIC_COOKIE,
        /** An option runs past the end of the message, or has a length its code does not allow. */
        BAD_OPTION_LENGTH,
        /** No DHCP message type option (53), or one outside 1-8. */
        BAD_MESSAGE_TYPE,
    }

    /**
     * The options this client reads or writes. Addresses are IPv4 ints (0 = absent: no option names
     * 0.0.0.0 legitimately); times are seconds as unsigned 32-bit values in a long ({@link #ABSENT}
     * when missing); arrays are empty when missing.
     */
    public record Options(int messageType, int serverId, int requestedIp, long leaseTime, long renewalTime,
                          long rebindingTime, int subnetMask, int[] routers, int interfaceMtu, int[] dnsServers,
                          byte[] parameterRequestList, byte[] clientId) {
        public Options {
            routers = routers == null ? new int[0] : routers;
            dnsServers = dnsServers == null ? new int[0] : dnsServers;
            parameterRequestList = parameterRequestList == null ? new byte[0] : parameterRequestList;
            clientId = clientId == null ? new byte[0] : clientId;
        }

        /** Only a message type. */
        public static Options ofType(int messageType) {
            return new Options(messageType, 0, 0, ABSENT, ABSENT, ABSENT, 0, null, 0, null, null, null);
        }

        public Options withServerId(int id) {
            return new Options(messageType, id, requestedIp, leaseTime, renewalTime, rebindingTime, subnetMask, routers,
                    interfaceMtu, dnsServers, parameterRequestList, clientId);
        }

        public Options withRequestedIp(int ip) {
            return new Options(messageType, serverId, ip, leaseTime, renewalTime, rebindingTime, subnetMask, routers,
                    interfaceMtu, dnsServers, parameterRequestList, clientId);
        }

        public Options withLease(long lease, long t1, long t2) {
            return new Options(messageType, serverId, requestedIp, lease, t1, t2, subnetMask, routers,
                    interfaceMtu, dnsServers, parameterRequestList, clientId);
        }

        public Options withNetwork(int mask, int[] routerList, int mtu, int[] dns) {
            return new Options(messageType, serverId, requestedIp, leaseTime, renewalTime, rebindingTime, mask, routerList,
                    mtu, dns, parameterRequestList, clientId);
        }

        public Options withParameterRequestList(byte[] list) {
            return new Options(messageType, serverId, requestedIp, leaseTime, renewalTime, rebindingTime, subnetMask, routers,
                    interfaceMtu, dnsServers, list, clientId);
        }

        public Options withClientId(byte[] id) {
            return new Options(messageType, serverId, requestedIp, leaseTime, renewalTime, rebindingTime, subnetMask, routers,
                    interfaceMtu, dnsServers, parameterRequestList, id);
        }

        /** Bytes these options take on the wire, END included. */
        int encodedLength() {
            int n = 3 + 1; // message type, END
            n += serverId != 0 ? 6 : 0;
            n += requestedIp != 0 ? 6 : 0;
            n += leaseTime != ABSENT ? 6 : 0;
            n += renewalTime != ABSENT ? 6 : 0;
            n += rebindingTime != ABSENT ? 6 : 0;
            n += subnetMask != 0 ? 6 : 0;
            n += routers.length > 0 ? 2 + 4 * Math.min(routers.length, 63) : 0;
            n += interfaceMtu != 0 ? 4 : 0;
            n += dnsServers.length > 0 ? 2 + 4 * Math.min(dnsServers.length, 63) : 0;
            n += parameterRequestList.length > 0 ? 2 + Math.min(parameterRequestList.length, 255) : 0;
            n += clientId.length > 0 ? 2 + Math.min(clientId.length, 255) : 0;
            return n;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Options x && messageType == x.messageType && serverId == x.serverId
                    && requestedIp == x.requestedIp && leaseTime == x.leaseTime && renewalTime == x.renewalTime
                    && rebindingTime == x.rebindingTime && subnetMask == x.subnetMask && Arrays.equals(routers, x.routers)
                    && interfaceMtu == x.interfaceMtu && Arrays.equals(dnsServers, x.dnsServers)
                    && Arrays.equals(parameterRequestList, x.parameterRequestList) && Arrays.equals(clientId, x.clientId);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(new long[] {messageType, serverId, requestedIp, leaseTime, renewalTime, rebindingTime,
                    subnetMask, Arrays.hashCode(routers), interfaceMtu, Arrays.hashCode(dnsServers),
                    Arrays.hashCode(parameterRequestList), Arrays.hashCode(clientId)});
        }

        @Override
        public String toString() {
            return "Options[type=" + messageType + ", serverId=" + serverId + ", requestedIp=" + requestedIp
                    + ", lease=" + leaseTime + ", t1=" + renewalTime + ", t2=" + rebindingTime + ", mask=" + subnetMask
                    + ", routers=" + Arrays.toString(routers) + ", mtu=" + interfaceMtu + ", dns=" + Arrays.toString(dnsServers)
                    + ", prl=" + Arrays.toString(parameterRequestList) + ", clientId=" + Arrays.toString(clientId) + "]";
        }
    }

    /** What {@link #parse} returns: a message, or the problem that stopped it. */
    public record Parsed(Problem problem, DhcpMessage message) {
        public boolean ok() {
            return problem == Problem.NONE;
        }
    }

    private static final Parsed TRUNCATED = new Parsed(Problem.TRUNCATED, null);
    private static final Parsed BAD_OP = new Parsed(Problem.BAD_OP, null);
    private static final Parsed UNSUPPORTED_HARDWARE = new Parsed(Problem.UNSUPPORTED_HARDWARE, null);
    private static final Parsed BAD_MAGIC_COOKIE = new Parsed(Problem.BAD_MAGIC_COOKIE, null);
    private static final Parsed BAD_OPTION_LENGTH = new Parsed(Problem.BAD_OPTION_LENGTH, null);
    private static final Parsed BAD_MESSAGE_TYPE = new Parsed(Problem.BAD_MESSAGE_TYPE, null);

    /** The DHCP message type's name (RFC 2132 §9.6), for logs. */
    public static String typeName(int type) {
        return switch (type) {
            case DHCPDISCOVER -> "DHCPDISCOVER";
            case DHCPOFFER -> "DHCPOFFER";
            case DHCPREQUEST -> "DHCPREQUEST";
            case DHCPDECLINE -> "DHCPDECLINE";
            case DHCPACK -> "DHCPACK";
            case DHCPNAK -> "DHCPNAK";
            case DHCPRELEASE -> "DHCPRELEASE";
            case DHCPINFORM -> "DHCPINFORM";
            default -> "type " + type;
        };
    }

    // ---- parse ------------------------------------------------------------------------------------

    /**
     * Reads the message in the {@code length} bytes at {@code off} (a UDP payload; bytes past the
     * segment's end count as missing). Never throws. Options after END, and PAD bytes, are ignored;
     * a message whose options run out without END is accepted (some servers omit it).
     */
    public static Parsed parse(MemorySegment seg, long off, int length) {
        int available = NetworkBytes.readable(seg, off, length);
        if (available < FIXED_LENGTH) {
            return TRUNCATED;
        }
        int op = NetworkBytes.getU8(seg, off + OFFSET_OP);
        if (op != OP_BOOTREQUEST && op != OP_BOOTREPLY) {
            return BAD_OP;
        }
        if (NetworkBytes.getU8(seg, off + OFFSET_HTYPE) != HTYPE_ETHERNET
                || NetworkBytes.getU8(seg, off + OFFSET_HLEN) != HLEN_ETHERNET) {
            return UNSUPPORTED_HARDWARE;
        }
        if (NetworkBytes.getI32(seg, off + OFFSET_MAGIC_COOKIE) != MAGIC_COOKIE) {
            return BAD_MAGIC_COOKIE;
        }
        Fields f = new Fields();
        if (!f.read(seg, off, OFFSET_OPTIONS, available)) {
            return BAD_OPTION_LENGTH;
        }
        // RFC 2132 §9.3: option overload continues the options in file (1), sname (2) or both (3),
        // file first; each region is read only to its own end (and to the bytes present).
        if ((f.overload & 1) != 0 && !f.read(seg, off, OFFSET_FILE, Math.min(available, OFFSET_FILE + FILE_LENGTH))) {
            return BAD_OPTION_LENGTH;
        }
        if ((f.overload & 2) != 0 && !f.read(seg, off, OFFSET_SNAME, Math.min(available, OFFSET_SNAME + SNAME_LENGTH))) {
            return BAD_OPTION_LENGTH;
        }
        int messageType = f.messageType;
        if (messageType < DHCPDISCOVER || messageType > DHCPINFORM) {
            return BAD_MESSAGE_TYPE;
        }
        Options options = new Options(messageType, f.serverId, f.requestedIp, f.lease, f.t1, f.t2, f.mask, f.routers, f.mtu,
                f.dns, f.prl, f.clientId);
        return new Parsed(Problem.NONE, new DhcpMessage(op,
                NetworkBytes.getI32(seg, off + OFFSET_XID),
                NetworkBytes.getU16(seg, off + OFFSET_SECS),
                NetworkBytes.getU16(seg, off + OFFSET_FLAGS),
                NetworkBytes.getI32(seg, off + OFFSET_CIADDR),
                NetworkBytes.getI32(seg, off + OFFSET_YIADDR),
                NetworkBytes.getI32(seg, off + OFFSET_SIADDR),
                NetworkBytes.getI32(seg, off + OFFSET_GIADDR),
                NetworkBytes.getU48(seg, off + OFFSET_CHADDR),
                options));
    }

    /** The options read so far, over the regions option overload names. */
    private static final class Fields {
        int messageType;
        int serverId;
        int requestedIp;
        long lease = ABSENT;
        long t1 = ABSENT;
        long t2 = ABSENT;
        int mask;
        int[] routers;
        int mtu;
        int[] dns;
        byte[] prl;
        byte[] clientId;
        int overload;

        /** Reads the options from {@code from} up to END or {@code end}; false when one is malformed. */
        boolean read(MemorySegment seg, long off, int from, int end) {
            int i = from;
            while (i < end) {
                int code = NetworkBytes.getU8(seg, off + i);
                if (code == OPTION_PAD) {
                    i++;
                    continue;
                }
                if (code == OPTION_END) {
                    return true;
                }
                if (i + 2 > end) {
                    return false;
                }
                int len = NetworkBytes.getU8(seg, off + i + 1);
                int v = i + 2;
                if (v + len > end || !option(seg, off + v, code, len)) {
                    return false;
                }
                i = v + len;
            }
            return true;
        }

        private boolean option(MemorySegment seg, long value, int code, int len) {
            switch (code) {
                case OPTION_MESSAGE_TYPE, OPTION_OVERLOAD -> {
                    if (len != 1) {
                        return false;
                    }
                    if (code == OPTION_MESSAGE_TYPE) {
                        messageType = NetworkBytes.getU8(seg, value);
                    } else {
                        overload = NetworkBytes.getU8(seg, value) & 3;
                    }
                }
                case OPTION_SERVER_ID, OPTION_REQUESTED_IP, OPTION_SUBNET_MASK -> {
                    if (len != 4) {
                        return false;
                    }
                    int a = NetworkBytes.getI32(seg, value);
                    if (code == OPTION_SERVER_ID) {
                        serverId = a;
                    } else if (code == OPTION_REQUESTED_IP) {
                        requestedIp = a;
                    } else {
                        mask = a;
                    }
                }
                case OPTION_LEASE_TIME, OPTION_RENEWAL_TIME, OPTION_REBINDING_TIME -> {
                    if (len != 4) {
                        return false;
                    }
                    long s = NetworkBytes.getU32(seg, value);
                    if (code == OPTION_LEASE_TIME) {
                        lease = s;
                    } else if (code == OPTION_RENEWAL_TIME) {
                        t1 = s;
                    } else {
                        t2 = s;
                    }
                }
                case OPTION_ROUTER, OPTION_DNS -> {
                    // RFC 2132 §3.5, §3.8: a list of addresses, at least one.
                    if (len < 4 || len % 4 != 0) {
                        return false;
                    }
                    int[] list = new int[len / 4];
                    for (int k = 0; k < list.length; k++) {
                        list[k] = NetworkBytes.getI32(seg, value + 4L * k);
                    }
                    if (code == OPTION_ROUTER) {
                        routers = list;
                    } else {
                        dns = list;
                    }
                }
                case OPTION_INTERFACE_MTU -> {
                    if (len != 2) {
                        return false;
                    }
                    mtu = NetworkBytes.getU16(seg, value);
                }
                case OPTION_PARAMETER_REQUEST_LIST, OPTION_CLIENT_ID -> {
                    // RFC 2132 §9.8 (n >= 1), §9.14 (n >= 2).
                    if (len < (code == OPTION_CLIENT_ID ? 2 : 1)) {
                        return false;
                    }
                    byte[] b = new byte[len];
                    MemorySegment.copy(seg, java.lang.foreign.ValueLayout.JAVA_BYTE, value, b, 0, len);
                    if (code == OPTION_CLIENT_ID) {
                        clientId = b;
                    } else {
                        prl = b;
                    }
                }
                default -> {
                    // Other options: skipped, their length already checked against the region.
                }
            }
            return true;
        }
    }

    // ---- emit ---------------------------------------------------------------------------------------

    /** Bytes {@link #emit} writes: the fixed part, the options, padding up to {@link #MIN_SENT_LENGTH}. */
    public int length() {
        return Math.max(MIN_SENT_LENGTH, FIXED_LENGTH + options.encodedLength());
    }

    /**
     * Writes the message at {@code off} ({@link #length()} bytes, which the caller has made room for)
     * and returns its length. sname and file are zero, hops 0, and options go in the order of
     * RFC 2132's advice: message type first.
     */
    public int emit(MemorySegment seg, long off) {
        int total = length();
        seg.asSlice(off, total).fill((byte) 0);
        NetworkBytes.setU8(seg, off + OFFSET_OP, op);
        NetworkBytes.setU8(seg, off + OFFSET_HTYPE, HTYPE_ETHERNET);
        NetworkBytes.setU8(seg, off + OFFSET_HLEN, HLEN_ETHERNET);
        NetworkBytes.setI32(seg, off + OFFSET_XID, xid);
        NetworkBytes.setU16(seg, off + OFFSET_SECS, secs);
        NetworkBytes.setU16(seg, off + OFFSET_FLAGS, flags);
        NetworkBytes.setI32(seg, off + OFFSET_CIADDR, ciaddr);
        NetworkBytes.setI32(seg, off + OFFSET_YIADDR, yiaddr);
        NetworkBytes.setI32(seg, off + OFFSET_SIADDR, siaddr);
        NetworkBytes.setI32(seg, off + OFFSET_GIADDR, giaddr);
        NetworkBytes.setU48(seg, off + OFFSET_CHADDR, chaddr);
        NetworkBytes.setI32(seg, off + OFFSET_MAGIC_COOKIE, MAGIC_COOKIE);
        long p = off + OFFSET_OPTIONS;
        p = putU8(seg, p, OPTION_MESSAGE_TYPE, options.messageType());
        if (options.clientId().length > 0) {
            p = putBytes(seg, p, OPTION_CLIENT_ID, options.clientId());
        }
        if (options.requestedIp() != 0) {
            p = putI32(seg, p, OPTION_REQUESTED_IP, options.requestedIp());
        }
        if (options.serverId() != 0) {
            p = putI32(seg, p, OPTION_SERVER_ID, options.serverId());
        }
        if (options.leaseTime() != ABSENT) {
            p = putI32(seg, p, OPTION_LEASE_TIME, (int) options.leaseTime());
        }
        if (options.renewalTime() != ABSENT) {
            p = putI32(seg, p, OPTION_RENEWAL_TIME, (int) options.renewalTime());
        }
        if (options.rebindingTime() != ABSENT) {
            p = putI32(seg, p, OPTION_REBINDING_TIME, (int) options.rebindingTime());
        }
        if (options.subnetMask() != 0) {
            p = putI32(seg, p, OPTION_SUBNET_MASK, options.subnetMask());
        }
        if (options.routers().length > 0) {
            p = putList(seg, p, OPTION_ROUTER, options.routers());
        }
        if (options.interfaceMtu() != 0) {
            NetworkBytes.setU8(seg, p, OPTION_INTERFACE_MTU);
            NetworkBytes.setU8(seg, p + 1, 2);
            NetworkBytes.setU16(seg, p + 2, options.interfaceMtu());
            p += 4;
        }
        if (options.dnsServers().length > 0) {
            p = putList(seg, p, OPTION_DNS, options.dnsServers());
        }
        if (options.parameterRequestList().length > 0) {
            p = putBytes(seg, p, OPTION_PARAMETER_REQUEST_LIST, options.parameterRequestList());
        }
        NetworkBytes.setU8(seg, p, OPTION_END);
        return total;
    }

    private static long putU8(MemorySegment seg, long p, int code, int v) {
        NetworkBytes.setU8(seg, p, code);
        NetworkBytes.setU8(seg, p + 1, 1);
        NetworkBytes.setU8(seg, p + 2, v);
        return p + 3;
    }

    private static long putI32(MemorySegment seg, long p, int code, int v) {
        NetworkBytes.setU8(seg, p, code);
        NetworkBytes.setU8(seg, p + 1, 4);
        NetworkBytes.setI32(seg, p + 2, v);
        return p + 6;
    }

    private static long putList(MemorySegment seg, long p, int code, int[] list) {
        // RFC 2132 options hold at most 255 bytes: 63 addresses.
        int n = Math.min(list.length, 63);
        NetworkBytes.setU8(seg, p, code);
        NetworkBytes.setU8(seg, p + 1, 4 * n);
        for (int k = 0; k < n; k++) {
            NetworkBytes.setI32(seg, p + 2 + 4L * k, list[k]);
        }
        return p + 2 + 4L * n;
    }

    private static long putBytes(MemorySegment seg, long p, int code, byte[] b) {
        int n = Math.min(b.length, 255);
        NetworkBytes.setU8(seg, p, code);
        NetworkBytes.setU8(seg, p + 1, n);
        MemorySegment.copy(b, 0, seg, java.lang.foreign.ValueLayout.JAVA_BYTE, p + 2, n);
        return p + 2 + n;
    }
}
