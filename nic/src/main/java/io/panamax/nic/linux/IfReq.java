package io.panamax.nic.linux;

import io.panamax.nic.MacAddress;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * {@code struct ifreq} from {@code <net/if.h>}: the 40-byte argument of the interface ioctls
 * ({@code SIOC*IF*}) and of {@code TUNSETIFF}. An interface name of up to {@link #IFNAMSIZ} bytes
 * (NUL included) is followed by a 24-byte union, of which one member is used per request: flags,
 * MTU, index, a hardware address or an IPv4 address.
 */
public final class IfReq {
    /** Bytes of an interface name, the terminating NUL included. */
    public static final int IFNAMSIZ = 16;
    public static final int BYTES = 40;

    /** ARPHRD_ETHER: the sa_family of an Ethernet hardware address. */
    public static final short ARPHRD_ETHER = 1;

    private static final long UNION = IFNAMSIZ;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfInt NET_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private final MemorySegment segment;

    private IfReq(MemorySegment segment) {
        this.segment = segment;
    }

    /** A zeroed ifreq in {@code arena} naming interface {@code name}. */
    public static IfReq of(Arena arena, String name) {
        IfReq r = new IfReq(arena.allocate(BYTES, 8));
        r.setName(name);
        return r;
    }

    public MemorySegment segment() {
        return segment;
    }

    /**
     * Checks {@code name} the way the kernel will ({@code dev_valid_name}), so that a bad name is
     * reported by name rather than as EINVAL. {@code %d} is allowed: the kernel replaces it.
     */
    public static void checkName(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("an interface name is needed");
        }
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > IFNAMSIZ - 1) {
            throw new IllegalArgumentException("interface name '" + name + "' is " + bytes.length
                    + " bytes; Linux allows at most " + (IFNAMSIZ - 1) + " (IFNAMSIZ " + IFNAMSIZ + " with the NUL)");
        }
        if (name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("'" + name + "' is not a valid interface name");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || c == ':' || Character.isWhitespace(c) || c < 0x21 || c > 0x7e) {
                throw new IllegalArgumentException("interface name '" + name
                        + "' has a character Linux refuses (printable ASCII without '/', ':' or spaces)");
            }
        }
    }

    public void setName(String name) {
        checkName(name);
        byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        segment.asSlice(0, IFNAMSIZ).fill((byte) 0);
        MemorySegment.copy(bytes, 0, segment, ValueLayout.JAVA_BYTE, 0, bytes.length);
    }

    /** The name, as the kernel may have rewritten it (TUNSETIFF with {@code %d}). */
    public String name() {
        return segment.asSlice(0, IFNAMSIZ).getString(0, StandardCharsets.US_ASCII);
    }

    /** {@code ifr_flags}: a short, read as an unsigned value. */
    public int flags() {
        return segment.get(SHORT, UNION) & 0xffff;
    }

    public void setFlags(int flags) {
        segment.set(SHORT, UNION, (short) flags);
    }

    /** The union's int, whichever member the request names: {@code ifr_mtu}, {@code ifr_qlen}, {@code ifr_ifindex}. */
    public int unionInt() {
        return segment.get(INT, UNION);
    }

    public void setUnionInt(int value) {
        segment.set(INT, UNION, value);
    }

    /** {@code ifr_ifindex}. */
    public int index() {
        return segment.get(INT, UNION);
    }

    /** {@code ifr_hwaddr}: a sockaddr whose sa_data holds the 6 bytes of an Ethernet address. */
    public MacAddress hardwareAddress() {
        byte[] b = new byte[6];
        MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, UNION + 2, b, 0, 6);
        return MacAddress.of(b);
    }

    public void setHardwareAddress(MacAddress mac) {
        segment.asSlice(UNION, BYTES - UNION).fill((byte) 0);
        segment.set(SHORT, UNION, ARPHRD_ETHER);
        MemorySegment.copy(mac.toBytes(), 0, segment, ValueLayout.JAVA_BYTE, UNION + 2, 6);
    }

    /**
     * {@code ifr_addr} (also {@code ifr_netmask}) as a {@code sockaddr_in}: family AF_INET, port 0,
     * the address in network byte order. {@code address} holds the four octets, first most
     * significant.
     */
    public void setIpv4(int address) {
        segment.asSlice(UNION, BYTES - UNION).fill((byte) 0);
        segment.set(SHORT, UNION, (short) Libc.AF_INET);
        segment.set(NET_INT, UNION + 4, address);
    }

    /** The IPv4 address in {@code ifr_addr}, first octet most significant. */
    public int ipv4() {
        return segment.get(NET_INT, UNION + 4);
    }
}
