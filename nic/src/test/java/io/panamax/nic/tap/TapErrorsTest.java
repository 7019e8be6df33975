package io.panamax.nic.tap;

import io.panamax.nic.linux.Errno;
import io.panamax.nic.linux.ErrnoException;
import io.panamax.nic.linux.NetworkNamespace;
import io.panamax.nic.testing.KernelPeer;
import io.panamax.reactor.testing.Environment;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every way opening a TAP device can fail says what went wrong, and leaves nothing behind. */
class TapErrorsTest {

    @Test
    void anInterfaceNameLongerThanFifteenBytesIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TapNic.builder().name("pmx-much-too-long0"));
        assertTrue(e.getMessage().contains("at most 15"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TapNic.builder().name("pmx/0"));
        assertThrows(IllegalArgumentException.class, () -> TapNic.builder().name("pmx 0"));
        assertThrows(IllegalArgumentException.class, () -> TapNic.builder().queues(0));
        assertThrows(IllegalArgumentException.class, () -> TapNic.builder().queues(257));
        assertThrows(IllegalArgumentException.class, () -> TapNic.builder().mtu(20));
    }

    @Test
    void aMissingNamespaceIsNamed() throws Exception {
        requireTap();
        NetworkNamespace ns = NetworkNamespace.createUnique("pmx-tap");
        ns.close(); // deleted: the object now names a namespace that is gone
        IOException e = assertThrows(IOException.class, () -> TapNic.builder().namespace(ns).name("pmxe0").open());
        assertTrue(e.getMessage().contains("'" + ns.name() + "' does not exist"), e.getMessage());
        IOException e2 = assertThrows(IOException.class, () -> NetworkNamespace.existing(ns.name()));
        assertTrue(e2.getMessage().contains("ip netns add"), e2.getMessage());
    }

    @Test
    void aNameInUseIsBusyAndAMissingDeviceCannotBeAttached() throws Exception {
        requireTap();
        try (NetworkNamespace ns = NetworkNamespace.createUnique("pmx-tap");
             TapNic first = TapNic.builder().namespace(ns).name("pmxe0").open()) {
            assertTrue(first.createdHere());
            IOException busy = assertThrows(IOException.class, () -> TapNic.builder().namespace(ns).name("pmxe0").open());
            assertTrue(busy.getMessage().contains("already exists"), busy.getMessage());
            // The failed open closed what it had opened: still exactly one queue on the device.
            assertTrue(ns.exec(Duration.ofSeconds(5), "ip", "-d", "link", "show", "dev", "pmxe0").stdout().contains("numqueues 1"));

            IOException missing = assertThrows(IOException.class,
                    () -> TapNic.builder().namespace(ns).name("pmxe9").existing(TapNic.Existing.ATTACH).open());
            assertTrue(missing.getMessage().contains("no interface named 'pmxe9'"), missing.getMessage());
            assertTrue(missing.getMessage().contains("ip tuntap add"), missing.getMessage());

            // An interface that is not a TAP device: loopback.
            IOException notTap = assertThrows(IOException.class,
                    () -> TapNic.builder().namespace(ns).name("lo").existing(TapNic.Existing.ATTACH).open());
            assertEquals(Errno.EINVAL, ((ErrnoException) notTap).errno());
            assertTrue(notTap.getMessage().contains("not a TAP device"), notTap.getMessage());
        }
    }

    @Test
    void flagMismatchesAndASingleQueueDeviceInUseAreExplained() throws Exception {
        requireTap();
        try (NetworkNamespace ns = NetworkNamespace.createUnique("pmx-tap")) {
            ns.exec(Duration.ofSeconds(10), "ip", "tuntap", "add", "dev", "pmxs0", "mode", "tap").orThrow("ip tuntap add");
            // A single-queue device attached as multi-queue: the kernel says EINVAL.
            ErrnoException mismatch = assertThrows(ErrnoException.class,
                    () -> TapNic.builder().namespace(ns).name("pmxs0").existing(TapNic.Existing.ATTACH).open());
            assertEquals(Errno.EINVAL, mismatch.errno());
            assertTrue(mismatch.getMessage().contains("without multi_queue"), mismatch.getMessage());
            // Two queues on a single-queue device: the second open is EBUSY.
            ErrnoException busy = assertThrows(ErrnoException.class, () -> TapNic.builder().namespace(ns).name("pmxs0")
                    .existing(TapNic.Existing.ATTACH).multiQueue(false).queues(2).open());
            assertEquals(Errno.EBUSY, busy.errno());
            assertTrue(busy.getMessage().contains("single-queue"), busy.getMessage());
            // With one queue it works, and says it has at most one.
            try (TapNic nic = TapNic.builder().namespace(ns).name("pmxs0").existing(TapNic.Existing.ATTACH)
                    .multiQueue(false).open()) {
                assertEquals(1, nic.capabilities().maxQueues());
                assertFalse(nic.multiQueue());
            }
        }
    }

    @Test
    void withoutCapNetAdminTheErrorSaysSo() throws Exception {
        requireTap();
        try (NetworkNamespace ns = NetworkNamespace.createUnique("pmx-tap")) {
            CompletableFuture<Throwable> outcome = new CompletableFuture<>();
            // A throwaway platform thread: capabilities are per thread in Linux.
            Thread t = Thread.ofPlatform().start(() -> {
                try {
                    ThreadCapabilities.dropEffective(ThreadCapabilities.CAP_NET_ADMIN);
                    TapNic nic = TapNic.builder().namespace(ns).name("pmxe0").open();
                    nic.close();
                    outcome.complete(null);
                } catch (Throwable e) {
                    outcome.complete(e);
                }
            });
            Throwable e = outcome.get(30, TimeUnit.SECONDS);
            t.join();
            assertTrue(e instanceof ErrnoException, "expected an ErrnoException, got " + e);
            assertEquals(Errno.EPERM, ((ErrnoException) e).errno());
            assertTrue(e.getMessage().contains("CAP_NET_ADMIN"), e.getMessage());
            assertFalse(KernelPeer.hasLink(ns, "pmxe0"), "nothing was created");
        }
    }

    @Test
    void theOwnerOfAPersistentDeviceAttachesWithoutCapNetAdmin() throws Exception {
        requireTap();
        try (NetworkNamespace ns = NetworkNamespace.createUnique("pmx-tap")) {
            ns.exec(Duration.ofSeconds(10), "ip", "tuntap", "add", "dev", "pmxo0", "mode", "tap", "multi_queue", "user", "0")
                    .orThrow("ip tuntap add");
            CompletableFuture<Throwable> outcome = new CompletableFuture<>();
            Thread t = Thread.ofPlatform().start(() -> {
                try {
                    ThreadCapabilities.dropEffective(ThreadCapabilities.CAP_NET_ADMIN);
                    // up(false): bringing the interface up would need CAP_NET_ADMIN.
                    try (TapNic nic = TapNic.builder().namespace(ns).name("pmxo0").existing(TapNic.Existing.ATTACH)
                            .up(false).queues(2).open()) {
                        outcome.complete(nic.queueCount() == 2 && !nic.createdHere() ? null
                                : new AssertionError("unexpected: " + nic));
                    }
                } catch (Throwable e) {
                    outcome.complete(e);
                }
            });
            Throwable e = outcome.get(30, TimeUnit.SECONDS);
            t.join();
            if (e != null) {
                throw new AssertionError("attach as owner without CAP_NET_ADMIN failed", e);
            }
        }
    }

    private static void requireTap() {
        Environment.requireRoot("creates network namespaces and TAP devices");
        Environment.requireCommands("ip");
        Environment.require(new java.io.File("/dev/net/tun").exists(), "needs /dev/net/tun");
    }
}
