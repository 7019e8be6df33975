package io.panamax.ethernet;

import io.panamax.nic.MacAddress;

import java.util.Set;

/**
 * How the stack's Ethernet layer behaves.
 *
 * @param mac         the stack's own unicast address
 * @param vlanId      the 802.1Q VLAN the stack lives on (tags every frame it sends, accepts only
 *                    frames of that VLAN), or -1 for untagged
 * @param multicast   group addresses accepted besides broadcast (e.g. 01:00:5e:… for IPv4 groups)
 * @param promiscuous accept frames for any destination (tests, capture replay)
 */
public record EthernetConfig(MacAddress mac, int vlanId, Set<MacAddress> multicast, boolean promiscuous) {

    public EthernetConfig {
        if (mac.isMulticast()) {
            throw new IllegalArgumentException("the stack's MAC must be unicast: " + mac);
        }
        if (vlanId != -1 && (vlanId < 1 || vlanId > 4094)) {
            throw new IllegalArgumentException("VLAN id must be 1..4094 (or -1 for none): " + vlanId);
        }
        multicast = Set.copyOf(multicast);
    }

    /** Untagged, no multicast groups, not promiscuous. */
    public static EthernetConfig of(MacAddress mac) {
        return new EthernetConfig(mac, -1, Set.of(), false);
    }
}
