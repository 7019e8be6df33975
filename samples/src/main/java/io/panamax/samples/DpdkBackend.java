package io.panamax.samples;

import io.panamax.nic.Nic;
import io.panamax.nic.dpdk.DpdkNic;
import io.panamax.nic.dpdk.DpdkNicGroup;
import io.panamax.nic.dpdk.DpdkNicConfig;
import io.panamax.nic.dpdk.Eal;
import io.panamax.nic.dpdk.ControlContext;
import io.panamax.nic.linux.NetworkNamespace;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code --backend dpdk}: initialises DPDK's EAL and opens the device. By default the device is a
 * {@code net_tap} virtual device named after {@code --tap}, created inside the namespace (so the
 * same clients reach it as with the TAP backend); {@code --dpdk-device af_xdp} makes a veth pair
 * there instead and drives one end with DPDK's {@code net_af_xdp} (AF_XDP sockets: kernel bypass on
 * any Linux interface without unbinding it), the kernel on the other end being the peer;
 * any other {@code --dpdk-device} names a real port or vdev arguments.
 */
final class DpdkBackend {
    /** {@code --dpdk-device af_xdp}: a veth pair made here, DPDK's AF_XDP driver on one end. */
    static final String AF_XDP = "af_xdp";
    private static final Duration T = Duration.ofSeconds(10);

    private DpdkBackend() {
    }

    static Nic open(EchoCommand.EchoSettings s, NetworkNamespace ns, int queues, AtomicBoolean vethMade) throws IOException {
        if (!Eal.isInitialized()) {
            List<String> args;
            if (s.dpdkArgs() != null) {
                args = new ArrayList<>(List.of("panamax"));
                args.addAll(Arrays.asList(s.dpdkArgs().strip().split("\\s+")));
            } else {
                args = Eal.defaultArguments();
            }
            Eal.initialize(args);
        }
        ControlContext control = ns != null ? ns::callInside : ControlContext.DIRECT;
        // -Dpanamax.dpdk.xdpSocketWait=false: net_af_xdp shards park blind as before (for A/B measurements).
        boolean socketWait = !"false".equals(System.getProperty("panamax.dpdk.xdpSocketWait"));
        DpdkNicConfig.Builder b;
        if (s.dpdkDevice() == null) {
            b = DpdkNicConfig.vdev("net_tap_pmx0,iface=" + s.tap());
        } else if (s.dpdkDevice().equals(AF_XDP)) {
            // A queue per shard: a veth with as many RX and TX channels, a net_af_xdp port per
            // channel (DpdkNicGroup: DPDK 22.11's driver opens no more than one queue per port on
            // a veth). -Dpanamax.dpdk.afXdpQueues=1 keeps one port and queue (for A/B measurements):
            // the other shards then get their flows by software RSS and send through shard 0.
            int n = Math.max(1, Math.min(queues, Integer.getInteger("panamax.dpdk.afXdpQueues", queues)));
            makeVethPair(s, ns, n);
            vethMade.set(true);
            // busy_budget=0: by default the driver sets SO_PREFER_BUSY_POLL on its socket, and the
            // kernel then leaves the receive processing to the application's recvfrom(), which the
            // driver makes only when it finds its ring empty: a shard that parks while idle
            // starves it (measured: 75 HTTP requests/s with it, 900 without; docs/dpdk.md).
            DpdkNicGroup nic = DpdkNicGroup.afXdp("net_af_xdp_pmx", afXdpEnd(s), n, ",busy_budget=0",
                    g -> g.xdpSocketWait(socketWait).controlContext(control));
            if (Boolean.getBoolean(THREADED_NAPI)) {
                threadedNapi(s, ns);
            }
            return nic;
        } else if (s.dpdkDevice().contains(",") || s.dpdkDevice().startsWith("net_")) {
            b = DpdkNicConfig.vdev(s.dpdkDevice());
        } else {
            b = DpdkNicConfig.port(s.dpdkDevice());
        }
        b.xdpSocketWait(socketWait);
        return DpdkNic.open(b.queuesUpTo(queues).controlContext(control).build());
    }

    /**
     * {@code -Dpanamax.dpdk.afXdpThreadedNapi=true}: the veth's receive processing on the AF_XDP
     * end (its NAPI: the XDP program and the copy into the socket's ring) in a kernel thread of its
     * own instead of in softirq on whatever CPU sent the frame, which is the client's (wrk's): 2.4-4.0
     * µs per HTTP request moved off the client's CPU (docs/dpdk.md). Off by default until an idle
     * run decides (the bench's http part measures both).
     */
    static final String THREADED_NAPI = "panamax.dpdk.afXdpThreadedNapi";

    /** Threaded NAPI on the AF_XDP end; possible once XDP is attached (a veth has NAPI only then). */
    private static void threadedNapi(EchoCommand.EchoSettings s, NetworkNamespace ns) {
        try {
            run(ns, "threaded NAPI on " + afXdpEnd(s), "sh", "-c", "echo 1 > /sys/class/net/" + afXdpEnd(s) + "/threaded");
        } catch (IOException e) {
            System.err.println("panamax echo: " + e.getMessage() + " (receive processing stays in softirq)");
        }
    }

    /** The veth end the AF_XDP driver takes: {@code --tap} with an {@code x}, within 15 bytes. */
    static String afXdpEnd(EchoCommand.EchoSettings s) {
        String t = s.tap();
        return (t.length() < 15 ? t : t.substring(0, 14)) + "x";
    }

    /**
     * The veth pair for {@code af_xdp}: the kernel's end is named {@code --tap} (so the printed
     * commands, arping's {@code -I} included, are those of the TAP backend) and gets
     * {@code --host-ip}; the other end belongs to the AF_XDP driver. Fails if either name is taken.
     */
    private static void makeVethPair(EchoCommand.EchoSettings s, NetworkNamespace ns, int queues) throws IOException {
        mountBpffs();
        String kernel = s.tap();
        String xdp = afXdpEnd(s);
        // Both ends with `queues` RX and TX queues: a veth hands a frame to the peer's RX queue
        // numbered like the TX queue it was sent on, and XDP on a veth wants at least as many RX
        // queues as the peer has TX queues.
        String n = Integer.toString(queues);
        run(ns, "making the veth pair " + kernel + "/" + xdp, "ip", "link", "add", kernel, "numtxqueues", n, "numrxqueues", n,
                "type", "veth", "peer", "name", xdp, "numtxqueues", n, "numrxqueues", n);
        try {
            // The kernel's end must put real checksums in what it sends: with TX checksum offload
            // (a veth's default) it leaves CHECKSUM_PARTIAL frames whose TCP/UDP checksum field holds
            // only the pseudo-header sum, which the stack, reading raw frames from AF_XDP, would drop.
            // Turning it off also turns off TSO: the kernel segments to the MTU before the wire.
            run(ns, "turning off checksum offload on " + kernel, "ethtool", "-K", kernel, "tx", "off");
            // The driver's end has no address: IPv6 off stops the router solicitations and MLD
            // reports the kernel would otherwise send out of it at the peer. The kernel's end keeps
            // IPv6 when the stack has an IPv6 address to be reached at.
            run(ns, "turning off IPv6 on " + xdp, "sysctl", "-q", "-w", "net.ipv6.conf." + xdp.replace('.', '/') + ".disable_ipv6=1");
            if (s.ip6() == null) {
                run(ns, "turning off IPv6 on " + kernel, "sysctl", "-q", "-w", "net.ipv6.conf." + kernel.replace('.', '/') + ".disable_ipv6=1");
            }
            run(ns, "bringing up " + xdp, "ip", "link", "set", xdp, "up");
        } catch (IOException e) {
            deleteVethPair(s, ns);
            throw e;
        }
    }

    /** Deletes the pair (deleting one end deletes both); what a namespace removal also does. */
    static void deleteVethPair(EchoCommand.EchoSettings s, NetworkNamespace ns) {
        try {
            run(ns, "deleting " + s.tap(), "ip", "link", "del", s.tap());
        } catch (IOException e) {
            // Already gone (the namespace went first) or never made.
        }
    }

    /**
     * libxdp keeps its multi-program dispatcher's state in bpffs at /sys/fs/bpf and, without one,
     * falls back to loading the AF_XDP program alone (and says so). Mounting it where it is
     * missing (systemd mounts it at boot on most systems) keeps the driver on its usual path.
     */
    private static void mountBpffs() {
        try {
            if (Files.readString(Path.of("/proc/self/mounts")).lines().noneMatch(l -> l.startsWith("bpf /sys/fs/bpf ")
                    || l.contains(" /sys/fs/bpf bpf "))) {
                NetworkNamespace.run(T, "mount", "-t", "bpf", "bpf", "/sys/fs/bpf");
            }
        } catch (IOException e) {
            // libxdp's fallback still works.
        }
    }

    /** Gives the kernel side (of our net_tap, or our veth pair) its address and brings it up. */
    static void addressKernelSide(EchoCommand.EchoSettings s, NetworkNamespace ns) throws IOException {
        run(ns, "addressing " + s.tap(), "ip", "addr", "replace", s.hostIp().toString(), "dev", s.tap());
        if (s.ip6() != null) {
            // nodad: usable at once, as on the TAP backend.
            run(ns, "addressing " + s.tap() + " (IPv6)", "ip", "-6", "addr", "replace", s.hostIp6().toString(), "dev", s.tap(), "nodad");
        }
        run(ns, "bringing up " + s.tap(), "ip", "link", "set", s.tap(), "up");
    }

    private static void run(NetworkNamespace ns, String what, String... command) throws IOException {
        (ns != null ? ns.exec(T, command) : NetworkNamespace.run(T, command)).orThrow(what);
    }
}
