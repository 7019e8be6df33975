package io.panamax.stack;

import io.panamax.ip.Ipv6Address;
import io.panamax.nic.MacAddress;
import io.panamax.nic.linux.NetworkNamespace;
import io.panamax.reactor.ShardFuture;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * radvd (the Debian package) on the kernel side of the stack's link, for SLAAC (RFC 4862) and
 * duplicate address detection against a real router, on any backend: it answers router
 * solicitations only (UnicastOnly), so that the stack's address comes from its own RS, and
 * advertises two prefixes (on-link, autonomous), fd00:8::/64 and fd00:9::/64, an MTU of 1400 and
 * the kernel as default router. The kernel already holds the stack's would-be address in
 * fd00:9::/64 (its modified EUI-64 identifier, RFC 4291 2.5.1, from the MAC), so the stack's DAD
 * must find it a duplicate and leave it unused.
 *
 * <p>Start it as soon as the kernel's side of the link exists and is up, before the stack's layers
 * start (in the NIC factory): the stack's first solicitation goes out as its IPv6 layer starts.
 * The namespace should have {@code net.ipv6.conf.default.accept_dad=0} before that interface is
 * made, so that the kernel's link-local address (radvd's source) is usable at once.
 */
final class RouterAdvertisements implements AutoCloseable {
    static final int LINK_MTU = 1400;

    private final Process radvd;
    /** The address the stack must take in fd00:8::/64. */
    final String slaacAddress;
    /** The kernel's address in fd00:9::/64 that the stack would have taken. */
    final String duplicateAddress;

    private RouterAdvertisements(Process radvd, String slaacAddress, String duplicateAddress) {
        this.radvd = radvd;
        this.slaacAddress = slaacAddress;
        this.duplicateAddress = duplicateAddress;
    }

    /**
     * Gives the kernel's side {@code device} in {@code ns} the duplicate address and one in the
     * SLAAC prefix (both nodad), writes radvd's configuration into {@code dir} and starts it.
     *
     * @param stackMac the MAC the stack will use on the link (its identifier names both addresses)
     */
    static RouterAdvertisements start(NetworkNamespace ns, String device, Path dir, MacAddress stackMac, Duration t)
            throws java.io.IOException {
        long id = Ipv6Address.interfaceIdentifier(stackMac.bits());
        String slaac = Ipv6Address.toString(0xfd00_0008_0000_0000L, id);
        String duplicate = Ipv6Address.toString(0xfd00_0009_0000_0000L, id);
        ns.exec(t, "ip", "-6", "addr", "add", duplicate + "/64", "dev", device, "nodad").orThrow("the duplicate address");
        ns.exec(t, "ip", "-6", "addr", "add", "fd00:8::1/64", "dev", device, "nodad").orThrow("an address in the SLAAC prefix");
        Path conf = dir.resolve("radvd.conf");
        Files.writeString(conf, String.join("\n",
                "interface " + device + " {",
                "  AdvSendAdvert on;",
                // Only answers to solicitations, unicast: the stack's address comes from its own RS.
                "  UnicastOnly on;",
                "  MinRtrAdvInterval 3;",
                "  MaxRtrAdvInterval 10;",
                "  AdvLinkMTU " + LINK_MTU + ";",
                "  AdvDefaultLifetime 600;",
                "  prefix fd00:8::/64 { AdvOnLink on; AdvAutonomous on; };",
                "  prefix fd00:9::/64 { AdvOnLink on; AdvAutonomous on; };",
                "};", ""));
        Process radvd = ns.start("radvd", "--nodaemon", "--config", conf.toString(), "--pidfile", dir.resolve("radvd.pid").toString(),
                "--logmethod", "stderr");
        return new RouterAdvertisements(radvd, slaac, duplicate);
    }

    /**
     * Within 20 s, on every shard: the address in fd00:8::/64 passed DAD and is the only
     * autoconfigured one (the one in fd00:9::/64 was found a duplicate: ipv6_dad_duplicates_total
     * at least 1), the default router is the kernel's link-local address on {@code device}, the
     * link MTU the advertised 1400.
     */
    void assertAutoconfigured(Stack stack, NetworkNamespace ns, String device, Duration t) throws Exception {
        String kernelLinkLocal = ns.exec(t, "ip", "-6", "-o", "addr", "show", "dev", device, "scope", "link").stdout()
                .replaceAll("(?s).*inet6 ([0-9a-f:]+)/.*", "$1").strip();
        long[] router = Ipv6Address.parse(kernelLinkLocal);
        long deadline = System.nanoTime() + 20_000_000_000L;
        for (int i = 0; i < stack.shardCount(); i++) {
            int shard = i;
            List<String> addresses = List.of();
            while (System.nanoTime() < deadline) {
                addresses = stack.await(stack.reactor().submit(shard, () -> ShardFuture.succeeded(stack.ipv6(shard).autoconfiguredAddresses())), t);
                if (addresses.contains(slaacAddress)) {
                    break;
                }
                Thread.sleep(100);
            }
            assertEquals(List.of(slaacAddress), addresses, "shard " + shard + ": the SLAAC address, not the duplicate " + duplicateAddress);
            long[] r = stack.await(stack.reactor().submit(shard, () -> ShardFuture.succeeded(stack.ipv6(shard).defaultRouter())), t);
            assertNotNull(r, "shard " + shard + " has a default router");
            assertEquals(Ipv6Address.toString(router[0], router[1]), Ipv6Address.toString(r[0], r[1]), "shard " + shard);
            assertEquals(LINK_MTU, (int) stack.await(stack.reactor().submit(shard, () -> ShardFuture.succeeded(stack.ipv6(shard).linkMtu())), t),
                    "shard " + shard + ": the advertised MTU");
        }
        long[] duplicates = stack.reactor().metrics().valuesByKey().get("ipv6_dad_duplicates_total");
        assertTrue(duplicates != null && duplicates[duplicates.length - 1] >= 1, "the kernel's " + duplicateAddress + " was detected a duplicate");
    }

    @Override
    public void close() throws InterruptedException {
        radvd.destroy();
        radvd.waitFor();
    }
}
