package io.panamax.pcaptests.replay;

/**
 * Edits the TCP fields of an Ethernet/IPv4/TCP frame in a byte array and recomputes its
 * checksums. Written here, byte by byte from RFC 791 and RFC 9293, rather than with the stack's
 * codecs: the tests that rewrite a client's frames must not lean on the code they judge.
 */
final class RawTcpFrame {
    private final byte[] b;
    private final int ip;
    private final int tcp;
    private final int tcpLength;

    private RawTcpFrame(byte[] b, int ip, int tcp, int tcpLength) {
        this.b = b;
        this.ip = ip;
        this.tcp = tcp;
        this.tcpLength = tcpLength;
    }

    /**
     * The frame as an IPv4/TCP segment (untagged or 802.1Q-tagged), or null when it is none, is a
     * fragment, or is cut short of what its IPv4 header announces.
     */
    static RawTcpFrame of(byte[] frame) {
        int at = 12;
        int type = u16(frame, at);
        while ((type == 0x8100 || type == 0x88a8) && frame.length >= at + 6) {
            at += 4;
            type = u16(frame, at);
        }
        int ip = at + 2;
        if (type != 0x0800 || frame.length < ip + 20 || (frame[ip] & 0xf0) != 0x40 || (frame[ip + 9] & 0xff) != 6) {
            return null;
        }
        int ihl = (frame[ip] & 0x0f) * 4;
        int total = u16(frame, ip + 2);
        if ((u16(frame, ip + 6) & 0x3fff) != 0 || ihl < 20 || total < ihl + 20 || frame.length < ip + total) {
            return null;
        }
        int tcp = ip + ihl;
        int dataOffset = ((frame[tcp + 12] & 0xf0) >> 4) * 4;
        if (dataOffset < 20 || dataOffset > total - ihl) {
            return null;
        }
        return new RawTcpFrame(frame, ip, tcp, total - ihl);
    }

    String flow() {
        return ip(ip + 12) + ":" + u16(b, tcp) + ">" + ip(ip + 16) + ":" + u16(b, tcp + 2);
    }

    int flags() {
        return b[tcp + 13] & 0xff;
    }

    long ack() {
        return u32(b, tcp + 8);
    }

    long seq() {
        return u32(b, tcp + 4);
    }

    void setSeq(long v) {
        put32(b, tcp + 4, v);
    }

    /** A copy of {@code in} with its sequence number moved by {@code n} and checksums recomputed. */
    static AlignedReplay.Input shiftSequence(AlignedReplay.Input in, long n) {
        byte[] copy = in.data().clone();
        RawTcpFrame t = of(copy);
        if (t == null) {
            throw new IllegalArgumentException("not a whole IPv4/TCP frame");
        }
        t.setSeq(t.seq() + n);
        t.fillChecksums();
        return new AlignedReplay.Input(copy, in.timestampNanos());
    }

    void setAck(long v) {
        put32(b, tcp + 8, v);
    }

    /** Adds {@code delta} to every SACK block edge (RFC 2018 3), and to TSecr unless it is 0 (RFC 7323 3.2). */
    void shiftOptions(long sackDelta, long tsEcrDelta) {
        int end = tcp + ((b[tcp + 12] & 0xf0) >> 4) * 4;
        int i = tcp + 20;
        while (i < end) {
            int kind = b[i] & 0xff;
            if (kind == 0) {
                return;
            }
            if (kind == 1) {
                i++;
                continue;
            }
            if (i + 1 >= end) {
                return;
            }
            int len = b[i + 1] & 0xff;
            if (len < 2 || i + len > end) {
                return;
            }
            if (kind == 5) {
                for (int e = i + 2; e + 4 <= i + len; e += 4) {
                    put32(b, e, u32(b, e) + sackDelta);
                }
            } else if (kind == 8 && len == 10 && u32(b, i + 6) != 0) {
                put32(b, i + 6, u32(b, i + 6) + tsEcrDelta);
            }
            i += len;
        }
    }

    /** TSval and TSecr of a Timestamps option, or null. */
    long[] timestamps() {
        int end = tcp + ((b[tcp + 12] & 0xf0) >> 4) * 4;
        for (int i = tcp + 20; i < end; ) {
            int kind = b[i] & 0xff;
            if (kind == 0) {
                break;
            }
            if (kind == 1) {
                i++;
                continue;
            }
            if (i + 1 >= end) {
                break;
            }
            int len = b[i + 1] & 0xff;
            if (len < 2 || i + len > end) {
                break;
            }
            if (kind == 8 && len == 10) {
                return new long[] {u32(b, i + 2), u32(b, i + 6)};
            }
            i += len;
        }
        return null;
    }

    /** Recomputes the IPv4 header checksum and the TCP checksum (RFC 1071 over the pseudo header). */
    void fillChecksums() {
        int ihl = tcp - ip;
        b[ip + 10] = 0;
        b[ip + 11] = 0;
        int h = finish(sum(b, ip, ihl, 0));
        b[ip + 10] = (byte) (h >> 8);
        b[ip + 11] = (byte) h;
        b[tcp + 16] = 0;
        b[tcp + 17] = 0;
        long pseudo = sum(b, ip + 12, 8, 0) + 6 + tcpLength;
        int c = finish(sum(b, tcp, tcpLength, pseudo));
        b[tcp + 16] = (byte) (c >> 8);
        b[tcp + 17] = (byte) c;
    }

    private static long sum(byte[] b, int off, int len, long start) {
        long s = start;
        for (int i = 0; i + 1 < len; i += 2) {
            s += u16(b, off + i);
        }
        if ((len & 1) != 0) {
            s += (b[off + len - 1] & 0xff) << 8;
        }
        return s;
    }

    private static int finish(long s) {
        while ((s >>> 16) != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return (int) (~s & 0xffff);
    }

    private String ip(int at) {
        return (b[at] & 0xff) + "." + (b[at + 1] & 0xff) + "." + (b[at + 2] & 0xff) + "." + (b[at + 3] & 0xff);
    }

    private static int u16(byte[] b, int at) {
        return (b[at] & 0xff) << 8 | (b[at + 1] & 0xff);
    }

    private static long u32(byte[] b, int at) {
        return ((long) u16(b, at) << 16) | u16(b, at + 2);
    }

    private static void put32(byte[] b, int at, long v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }
}
