package io.panamax.benchmarks.e2e;

import io.panamax.nic.Nic;
import io.panamax.nic.dpdk.DpdkNic;
import io.panamax.nic.dpdk.DpdkNicConfig;
import io.panamax.nic.linux.NetworkNamespace;
import io.panamax.nic.tap.TapNic;
import io.panamax.reactor.IdlePolicy;
import io.panamax.stack.Stack;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * What the TAP-backed benchmark servers ({@link TapStackServer}, {@link LossyLinkServer}) share:
 * their command line ({@code --netns NS --tap NAME [--host-ip CIDR] [--ip CIDR] [--gateway IP]
 * [--idle busy|default|spin:N] [--offloads on|off|checksum] [--dpdk-vdev DEVARGS] [--pin on|off]} plus each server's own
 * options; {@code spin:N}: the default policy with N empty iterations before a descriptor wait, not 8) and a one-shard stack on a TAP device in that namespace that runs until SIGTERM and then
 * closes (removing its TAP device). With {@code --dpdk-vdev} the stack runs on that DPDK virtual
 * device instead (e.g. {@code net_af_xdp_pmx0,iface=VETH,queue_count=1,busy_budget=0} on a veth
 * end the caller made in the namespace and addressed on its kernel side; {@code --tap} and
 * {@code --host-ip} are then unused), its control calls inside the namespace, the EAL with
 * {@link io.panamax.nic.dpdk.Eal#defaultArguments()} (no hugepages, no PCI).
 */
final class TapServerOptions {
    String netns;
    String tap;
    String hostIp = "10.7.0.1/24";
    String ip = "10.7.0.2/24";
    String gateway;
    String idle = "busy";
    /**
     * The TAP device's virtio-net header offloads: on (checksums, TSO, coalesced receive), checksum
     * (checksums only: every frame at most the MTU) or off (the default).
     */
    String offloads = "off";
    /** Pin the shard to the first CPU the process may use (off: the scheduler places it). */
    boolean pin;
    /** A DPDK virtual device to run on instead of a TAP device, or null. */
    String dpdkVdev;
    /** The shard thread's nice value ({@code Reactor.Builder.shardNice}), or null to keep the inherited one. */
    Integer shardNice;
    /** The server's own options ({@code --name value}), by name. */
    final Map<String, String> extra = new HashMap<>();
    private final CountDownLatch stop = new CountDownLatch(1);

    private TapServerOptions(String tap) {
        this.tap = tap;
    }

    static TapServerOptions parse(String[] args, String defaultTap, Set<String> extraOptions) {
        TapServerOptions o = new TapServerOptions(defaultTap);
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(name + " needs a value");
            }
            String value = args[++i];
            switch (name) {
                case "--netns" -> o.netns = value;
                case "--tap" -> o.tap = value;
                case "--host-ip" -> o.hostIp = value;
                case "--ip" -> o.ip = value;
                case "--gateway" -> o.gateway = value;
                case "--idle" -> o.idle = value;
                case "--dpdk-vdev" -> o.dpdkVdev = value;
                case "--pin" -> o.pin = value.equals("on");
                case "--offloads" -> {
                    if (!java.util.List.of("on", "off", "checksum").contains(value)) {
                        throw new IllegalArgumentException("--offloads must be on, off or checksum, got " + value);
                    }
                    o.offloads = value;
                }
                default -> {
                    if (!extraOptions.contains(name)) {
                        throw new IllegalArgumentException("unknown argument " + name);
                    }
                    o.extra.put(name, value);
                }
            }
        }
        if (o.netns == null) {
            throw new IllegalArgumentException("--netns NS is required (TAP runs happen inside a namespace)");
        }
        return o;
    }

    /** Starts the stack; SIGTERM closes it and ends {@link #awaitStop()}. */
    Stack start() throws Exception {
        IdlePolicy policy = idle.equals("busy") ? IdlePolicy.busyPoll()
                : idle.startsWith("spin:") ? IdlePolicy.defaults().withDeviceWait(Integer.parseInt(idle.substring(5)),
                        java.time.Duration.ofNanos(IdlePolicy.DEFAULT_MAX_WAIT_NANOS))
                : IdlePolicy.defaults();
        NetworkNamespace ns = NetworkNamespace.existing(netns);
        String device = tap;
        String kernelSide = hostIp;
        boolean withOffloads = !offloads.equals("off");
        boolean withSegmentation = offloads.equals("on");
        String vdev = dpdkVdev;
        Stack.Builder b = Stack.builder().ipv4(ip).shards(1)
                .reactorSettings(r -> {
                    r.idlePolicy(policy).pinThreads(pin);
                    if (shardNice != null) {
                        r.shardNice(shardNice);
                    }
                })
                .nic(queues -> vdev != null ? printed(DpdkNic.open(DpdkNicConfig.vdev(vdev).queuesUpTo(1)
                        .checksumOffload(withOffloads).tso(withSegmentation).controlContext(ns::callInside).build()))
                        : TapNic.builder().name(device).namespace(ns).queues(1).kernelAddress(kernelSide)
                        .kernelIpv6(false).offloads(withOffloads)
                        .segmentation(withSegmentation).open());
        if (gateway != null) {
            b.gateway(gateway);
        }
        Stack stack = b.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.countDown();
            stack.close();
        }));
        return stack;
    }

    /**
     * Prints what the DPDK device offers ({@code nic ...}), so a page can say which offloads a run
     * had: the stack uses each that {@code --offloads} allows, and does the rest in software.
     */
    private static Nic printed(DpdkNic nic) {
        var info = nic.deviceInfo();
        System.out.println("nic " + nic.name() + " driver=" + info.driverName() + " rxOffloadCapa=0x"
                + Long.toHexString(info.rxOffloadCapa()) + " txOffloadCapa=0x" + Long.toHexString(info.txOffloadCapa()) + " "
                + nic.capabilities());
        System.out.flush();
        return nic;
    }

    void awaitStop() throws InterruptedException {
        stop.await();
    }
}
