package io.panamax.samples;

import io.panamax.nic.dpdk.DpdkNic;
import io.panamax.nic.dpdk.DpdkNicConfig;
import io.panamax.nic.dpdk.Eal;
import io.panamax.nic.dpdk.ControlContext;
import io.panamax.nic.linux.NetworkNamespace;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code --backend dpdk}: initialises DPDK's EAL and opens the device. By default the device is a
 * {@code net_tap} virtual device named after {@code --tap}, created inside the namespace (so the
 * same clients reach it as with the TAP backend); {@code --dpdk-device} names a real port instead.
 */
final class DpdkBackend {
    private DpdkBackend() {
    }

    static DpdkNic open(EchoCommand.EchoSettings s, NetworkNamespace ns, int queues) {
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
        DpdkNicConfig.Builder b;
        if (s.dpdkDevice() == null) {
            b = DpdkNicConfig.vdev("net_tap_pmx0,iface=" + s.tap());
        } else if (s.dpdkDevice().contains(",") || s.dpdkDevice().startsWith("net_")) {
            b = DpdkNicConfig.vdev(s.dpdkDevice());
        } else {
            b = DpdkNicConfig.port(s.dpdkDevice());
        }
        return DpdkNic.open(b.queuesUpTo(queues).controlContext(control).build());
    }

    /** Gives the kernel side of our net_tap its address and brings it up. */
    static void addressKernelSide(EchoCommand.EchoSettings s, NetworkNamespace ns) throws IOException {
        Duration t = Duration.ofSeconds(10);
        List<String> addr = List.of("ip", "addr", "replace", s.hostIp().toString(), "dev", s.tap());
        List<String> up = List.of("ip", "link", "set", s.tap(), "up");
        if (ns != null) {
            ns.exec(t, addr.toArray(String[]::new)).orThrow("addressing " + s.tap());
            ns.exec(t, up.toArray(String[]::new)).orThrow("bringing up " + s.tap());
        } else {
            NetworkNamespace.run(t, addr.toArray(String[]::new)).orThrow("addressing " + s.tap());
            NetworkNamespace.run(t, up.toArray(String[]::new)).orThrow("bringing up " + s.tap());
        }
    }
}
