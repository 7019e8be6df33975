package io.panamax.nic.pcap;

/** The link-layer header types (tcpdump.org's LINKTYPE_ values) that error messages name. */
public final class LinkTypes {
    /** Ethernet II and 802.3 frames: the only link type Panamax replays. */
    public static final int ETHERNET = 1;

    private LinkTypes() {
    }

    /** {@code "105 (IEEE802_11)"}: the number and, for common types, the name. */
    public static String describe(int linkType) {
        String name = switch (linkType) {
            case 0 -> "NULL (BSD loopback)";
            case 1 -> "ETHERNET";
            case 101 -> "RAW (raw IP)";
            case 105 -> "IEEE802_11";
            case 113 -> "LINUX_SLL (Linux cooked capture)";
            case 127 -> "IEEE802_11_RADIOTAP";
            case 228 -> "IPV4";
            case 229 -> "IPV6";
            case 276 -> "LINUX_SLL2";
            default -> null;
        };
        return name == null ? Integer.toString(linkType) : linkType + " (" + name + ")";
    }
}
