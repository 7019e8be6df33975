package io.panamax.ethernet.wire;

/**
 * The IEEE 802.1Q tag (and its 802.1ad service-tag twin): a 16-bit tag protocol identifier (TPID,
 * {@link EtherType#VLAN} or {@link EtherType#QINQ}) then the 16-bit tag control information (TCI):
 * priority code point (3 bits), drop eligible indicator (1 bit), VLAN identifier (12 bits)
 * (IEEE 802.1Q-2014 clause 9.6). This class packs and unpacks the TCI.
 */
public final class VlanTag {
    /** Octets in a tag: TPID and TCI. */
    public static final int LENGTH = 4;
    /** Where the TCI sits within a tag. */
    public static final int OFFSET_TCI = 2;
    public static final int PCP_SHIFT = 13;
    public static final int PCP_MASK = 0x7;
    /** The DEI bit (CFI before 802.1Q-2011). */
    public static final int DEI_BIT = 0x1000;
    public static final int VID_MASK = 0x0fff;
    /** VID 0: the frame carries only a priority, it belongs to the port's VLAN (802.1Q table 9-2). */
    public static final int VID_PRIORITY_ONLY = 0;
    /** VID 0xfff is reserved and never sent (802.1Q table 9-2). */
    public static final int VID_RESERVED = 0xfff;

    private VlanTag() {
    }

    public static int priority(int tci) {
        return (tci >>> PCP_SHIFT) & PCP_MASK;
    }

    public static boolean dropEligible(int tci) {
        return (tci & DEI_BIT) != 0;
    }

    public static int vlanId(int tci) {
        return tci & VID_MASK;
    }

    /** The TCI of a tag with these fields (each masked to its width). */
    public static int tci(int priority, boolean dropEligible, int vlanId) {
        return (priority & PCP_MASK) << PCP_SHIFT | (dropEligible ? DEI_BIT : 0) | (vlanId & VID_MASK);
    }
}
