package io.panamax.nic.testing;

import io.panamax.nic.MacAddress;
import io.panamax.nic.linux.NetworkNamespace;

import java.io.IOException;
import java.time.Duration;

/**
 * The Linux kernel on the far side of a device, driven with its own tools inside a network
 * namespace: ping, arping, neighbour entries, interface state. The kernel is the real peer of the
 * NIC tests; these are thin, named wrappers so tests read as what they do.
 */
public final class KernelPeer {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static Boolean habetsArping;

    private KernelPeer() {
    }

    /** {@code ping -c count} from the namespace; a reply to every request means exit 0. */
    public static NetworkNamespace.Result ping(NetworkNamespace ns, String address, int count) throws IOException {
        return ns.exec(TIMEOUT, "ping", "-n", "-c", Integer.toString(count), "-i", "0.2", "-W", "2", address);
    }

    /**
     * {@code arping}: ARP requests for {@code address} out of {@code iface}. Works with both
     * arping implementations (Thomas Habets' takes {@code -i}, iputils' {@code -I}).
     */
    public static NetworkNamespace.Result arping(NetworkNamespace ns, String iface, String address, int count) throws IOException {
        String flag = isHabetsArping() ? "-i" : "-I";
        return ns.exec(TIMEOUT, "arping", flag, iface, "-c", Integer.toString(count), "-w", "3", address);
    }

    /** A permanent neighbour entry: the kernel sends to {@code address} at {@code mac} without asking. */
    public static void addNeighbor(NetworkNamespace ns, String iface, String address, MacAddress mac) throws IOException {
        ns.exec(TIMEOUT, "ip", "neigh", "replace", address, "lladdr", mac.toString(), "dev", iface, "nud", "permanent")
                .orThrow("ip neigh replace " + address);
    }

    /** The neighbour table entry for {@code address} ({@code ip neigh show}), empty if none. */
    public static String neighbor(NetworkNamespace ns, String iface, String address) throws IOException {
        return ns.exec(TIMEOUT, "ip", "neigh", "show", address, "dev", iface).orThrow("ip neigh show").stdout().strip();
    }

    /** {@code ip -o link show iface}: flags, MTU, state, MAC. */
    public static String link(NetworkNamespace ns, String iface) throws IOException {
        return ns.exec(TIMEOUT, "ip", "-o", "link", "show", "dev", iface).orThrow("ip link show " + iface).stdout();
    }

    /** {@code ip -o -4 addr show iface}. */
    public static String ipv4Addresses(NetworkNamespace ns, String iface) throws IOException {
        return ns.exec(TIMEOUT, "ip", "-o", "-4", "addr", "show", "dev", iface).orThrow("ip addr show " + iface).stdout();
    }

    /** Whether an interface of that name exists in the namespace. */
    public static boolean hasLink(NetworkNamespace ns, String iface) throws IOException {
        return ns.exec(TIMEOUT, "ip", "link", "show", "dev", iface).ok();
    }

    private static synchronized boolean isHabetsArping() throws IOException {
        if (habetsArping == null) {
            NetworkNamespace.Result r = NetworkNamespace.run(Duration.ofSeconds(10), "arping", "--help");
            habetsArping = (r.stdout() + r.stderr()).contains("Habets");
        }
        return habetsArping;
    }
}
