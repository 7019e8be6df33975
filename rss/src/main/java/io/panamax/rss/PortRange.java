package io.panamax.rss;

/**
 * An inclusive range of TCP/UDP ports, such as the ephemeral ports that active opens take their
 * local port from.
 *
 * @param first the lowest port, at least 1
 * @param last  the highest port, at most 65535
 */
public record PortRange(int first, int last) {
    /** The highest port number. */
    public static final int MAX_PORT = 0xffff;

    /** Linux's default {@code net.ipv4.ip_local_port_range}. */
    public static final PortRange LINUX_EPHEMERAL = new PortRange(32768, 60999);

    /** @throws IllegalArgumentException unless {@code 1 <= first <= last <= 65535} */
    public PortRange {
        if (first < 1 || last > MAX_PORT || first > last) {
            throw new IllegalArgumentException("a port range is first-last with 1 <= first <= last <= "
                    + MAX_PORT + ", got " + first + "-" + last);
        }
    }

    /**
     * Parses {@code first-last}, such as {@code 32768-60999}.
     *
     * @throws IllegalArgumentException naming what is wrong with the text
     */
    public static PortRange parse(String text) {
        String[] parts = text.trim().split("-", -1);
        if (parts.length != 2) {
            throw new IllegalArgumentException("expected a port range first-last, e.g. 32768-60999, got '" + text + "'");
        }
        try {
            return new PortRange(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected a port range first-last, e.g. 32768-60999, got '" + text + "'");
        }
    }

    /** Number of ports in the range. */
    public int size() {
        return last - first + 1;
    }

    /** Whether {@code port} is in the range. */
    public boolean contains(int port) {
        return port >= first && port <= last;
    }

    @Override
    public String toString() {
        return first + "-" + last;
    }
}
