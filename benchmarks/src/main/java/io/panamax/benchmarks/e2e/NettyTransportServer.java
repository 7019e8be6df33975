package io.panamax.benchmarks.e2e;

import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.panamax.netty.Greeter;
import io.panamax.netty.PanamaxEventLoopGroup;
import io.panamax.netty.PanamaxServerSocketChannel;
import io.panamax.nic.MacAddress;
import io.panamax.nic.dpdk.DpdkNic;
import io.panamax.nic.dpdk.DpdkNicConfig;
import io.panamax.nic.dpdk.Eal;
import io.panamax.nic.linux.NetworkNamespace;
import io.panamax.nic.tap.TapNic;
import io.panamax.reactor.IdlePolicy;
import io.panamax.stack.Stack;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One Netty application, two transports: the HTTP echo of {@link NettyEchoServer} (the same
 * pipeline: {@code HttpServerCodec}, {@code HttpObjectAggregator}, {@code HttpEcho}) on port 8080
 * and the gRPC hello-world Greeter (grpc-netty, unary {@code SayHello}, run on the event loop) on
 * port 50051, with one event loop, on
 * <ul>
 *   <li>{@code --transport epoll}: Netty's native epoll transport on the kernel's TCP (run it with
 *       {@code ip netns exec});</li>
 *   <li>{@code --transport tap}: the Panamax transport ({@link PanamaxEventLoopGroup},
 *       {@link PanamaxServerSocketChannel}) on a one-shard stack on a TAP device made in
 *       {@code --netns}, its kernel side {@code 10.7.0.1/24}, the stack {@code 10.7.0.2};
 *       {@code --tap-offloads true} opens it with the virtio-net header and its checksum and
 *       segmentation offloads, as the echo sample's TAP runs (off by default, as the benchmark runs it);</li>
 *   <li>{@code --transport dpdk}: the same over DPDK's {@code net_tap} driver (a tun device by
 *       the same name in the same namespace, EAL without hugepages); with {@code --dpdk-vdev
 *       DEVARGS} over that DPDK virtual device instead, e.g. {@code net_af_xdp_pmx0,iface=VETH,
 *       queue_count=1,busy_budget=0} on a veth end the caller made in {@code --netns} (its other
 *       end addressed {@code 10.7.0.1/24} by the caller; {@code --tap} is then unused).</li>
 * </ul>
 * The only lines that differ between the runs are the group and the two channel classes.
 * {@code --stats FILE}: every 100 ms, the process's heap bytes allocated so far (all threads,
 * {@code com.sun.management.ThreadMXBean.getTotalThreadAllocatedBytes}) are written to FILE, so
 * that a benchmark can divide them by its requests. Prints {@code ready} when both servers
 * listen; runs until killed.
 */
public final class NettyTransportServer {
    private NettyTransportServer() {
    }

    public static void main(String[] args) throws Exception {
        String transport = "epoll";
        String netns = null;
        String tap = "pmxnb0";
        String stats = null;
        String idle = "default";
        String vdev = null;
        boolean offloads = false;
        int httpPort = 8080;
        int grpcPort = 50051;
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--transport" -> transport = v;
                case "--netns" -> netns = v;
                case "--tap" -> tap = v;
                case "--stats" -> stats = v;
                case "--idle" -> idle = v;
                case "--dpdk-vdev" -> vdev = v;
                case "--tap-offloads" -> offloads = Boolean.parseBoolean(v);
                case "--http-port" -> httpPort = Integer.parseInt(v);
                case "--grpc-port" -> grpcPort = Integer.parseInt(v);
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + " (usage: --transport epoll|tap|dpdk "
                        + "[--netns NS] [--tap NAME] [--tap-offloads true|false] [--dpdk-vdev DEVARGS] [--stats FILE] [--idle default|busy|spin:N|cheapspin:MICROS] [--http-port P] [--grpc-port P])");
            }
            i++;
        }
        EventLoopGroup group;
        Class<? extends ServerChannel> serverChannel;
        Stack stack = null;
        if (transport.equals("epoll")) {
            if (!Epoll.isAvailable()) {
                throw new IllegalStateException("Netty's epoll transport is not available", Epoll.unavailabilityCause());
            }
            group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
            serverChannel = EpollServerSocketChannel.class;
        } else {
            stack = startStack(transport, netns, tap, vdev, idle, offloads);
            group = new PanamaxEventLoopGroup(stack);
            serverChannel = PanamaxServerSocketChannel.class;
        }
        if (stats != null) {
            startStats(Path.of(stats));
        }
        CountDownLatch stop = new CountDownLatch(1);
        Stack s = stack;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.countDown();
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            if (s != null) {
                s.close();
            }
        }));
        Channel http = new ServerBootstrap().group(group).channel(serverChannel)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20), new NettyEchoServer.HttpEcho());
                    }
                }).bind(httpPort).sync().channel();
        Server grpc = NettyServerBuilder.forAddress(new InetSocketAddress(grpcPort))
                .channelType(serverChannel).bossEventLoopGroup(group).workerEventLoopGroup(group)
                .directExecutor() // the call runs on the loop: one core does all of it, as with the HTTP echo
                .addService(Greeter.service()).build().start();
        System.out.println("ready (" + transport + ")");
        System.out.flush();
        stop.await();
        grpc.shutdownNow();
        http.close();
    }

    /**
     * A one-shard stack at 10.7.0.2 whose kernel side is 10.7.0.1/24 in {@code netns}: the TAP
     * device or DPDK's net_tap named {@code tap}, or the DPDK virtual device {@code vdev} (not null).
     */
    private static Stack startStack(String transport, String netns, String tap, String vdev, String idle, boolean offloads) throws Exception {
        if (netns == null) {
            throw new IllegalArgumentException("--netns NS is required with --transport " + transport);
        }
        NetworkNamespace ns = NetworkNamespace.existing(netns);
        // spin:N: the default policy, spinning N iterations before a TAP shard sleeps in ppoll (default 8).
        // cheapspin:MICROS: the least spin before an af_xdp shard sleeps on its socket (default 50; 0: 8 iterations only).
        IdlePolicy policy = idle.equals("busy") ? IdlePolicy.busyPoll()
                : idle.startsWith("spin:") ? IdlePolicy.defaults().withDeviceWait(Integer.parseInt(idle.substring(5)),
                        java.time.Duration.ofNanos(IdlePolicy.DEFAULT_MAX_WAIT_NANOS))
                : idle.startsWith("cheapspin:") ? IdlePolicy.defaults().withCheapPollSpin(
                        java.time.Duration.ofNanos(Long.parseLong(idle.substring(10)) * 1000))
                : IdlePolicy.defaults();
        Stack.Builder b = Stack.builder().ipv4("10.7.0.2/24").shards(1)
                .reactorSettings(r -> PanamaxEventLoopGroup.SHARD_THREADS.accept(r.idlePolicy(policy).pinThreads(false)));
        switch (transport) {
            case "tap" -> b.nic(queues -> TapNic.builder().name(tap).namespace(ns).queues(1).kernelAddress("10.7.0.1/24")
                    .kernelIpv6(false).offloads(offloads).open());
            case "dpdk" -> {
                if (!Eal.isInitialized()) {
                    Eal.initialize(Eal.defaultArguments());
                }
                String devargs = vdev != null ? vdev : "net_tap_pmx0,iface=" + tap;
                b.nic(queues -> DpdkNic.open(DpdkNicConfig.vdev(devargs).queuesUpTo(1).controlContext(ns::callInside).build()));
                if (vdev == null) {
                    // DPDK's TAP driver gives the kernel side the port's MAC, and Linux ignores ARP
                    // from its own address: the stack takes one of its own (as the echo sample does).
                    b.mac(MacAddress.randomLocal(new SecureRandom()));
                }
            }
            default -> throw new IllegalArgumentException("--transport epoll, tap or dpdk, not " + transport);
        }
        Stack stack = b.start();
        if (transport.equals("dpdk") && vdev == null) {
            run(ns, "ip", "addr", "replace", "10.7.0.1/24", "dev", tap);
            run(ns, "ip", "link", "set", tap, "up");
        }
        return stack;
    }

    private static void run(NetworkNamespace ns, String... command) throws IOException {
        ns.exec(Duration.ofSeconds(10), command).orThrow(String.join(" ", command));
    }

    /** Writes the process's allocated heap bytes to {@code file} every 100 ms (replacing it whole). */
    private static void startStats(Path file) {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Thread t = new Thread(() -> {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            while (true) {
                try {
                    // Less this thread's own allocations (its file writes): the server's alone.
                    long bytes = mx.getTotalThreadAllocatedBytes() - mx.getCurrentThreadAllocatedBytes();
                    Files.writeString(tmp, Long.toString(bytes));
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                    Thread.sleep(100);
                } catch (IOException e) {
                    // try again next time
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "alloc-stats");
        t.setDaemon(true);
        t.start();
    }
}
