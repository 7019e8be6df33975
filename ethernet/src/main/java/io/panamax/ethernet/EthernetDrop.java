package io.panamax.ethernet;

/** Why the Ethernet layer dropped a received frame (metric label {@code reason}). */
public enum EthernetDrop {
    /** Shorter than an Ethernet header (with its VLAN tags). */
    TRUNCATED,
    /** More VLAN tags than 802.1ad's two. */
    TOO_MANY_VLAN_TAGS,
    /** An 802.3 length field that disagrees with the frame. */
    BAD_LENGTH_FIELD,
    /** An 802.3/LLC frame (length field, no EtherType): nothing here speaks LLC. */
    LLC_FRAME,
    /** Addressed to another station (and not broadcast, nor a joined group). */
    NOT_FOR_US,
    /** Tagged with a VLAN the stack is not on (or untagged while the stack is on one). */
    WRONG_VLAN,
    /** An EtherType no layer is registered for (IPv6 on this IPv4-only stack, LLDP, ...). */
    UNKNOWN_ETHERTYPE,
    /** Sent by ourselves (a loop or a looped-back broadcast). */
    FROM_OURSELVES
}
