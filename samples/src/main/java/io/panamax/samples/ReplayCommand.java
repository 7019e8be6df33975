package io.panamax.samples;

import io.panamax.ip.Ipv4Address;
import io.panamax.nic.pcap.CaptureFileReader;
import io.panamax.nic.pcap.CaptureFileWriter;
import io.panamax.nic.pcap.PcapFormatException;
import io.panamax.nic.pcap.PcapNic;
import io.panamax.nic.pcap.ReplayEnd;
import io.panamax.pcaptests.replay.StackReplay;
import io.panamax.tcp.StandardServices;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * {@code bin/panamax replay FILE... [--out OUT.pcap] [--shards N]}: the command line of the replay
 * engine ({@link StackReplay}, in the pcap-tests module): feeds captures through a fresh stack each
 * and prints what the stack counted and what it sent.
 *
 * <p>Exit status: 0 when the stack came through (whatever the capture held: malformed frames are
 * counted drops), 1 when the stack itself failed (an exception escaped a layer, a buffer leaked,
 * the replay did not finish), 2 for a bad command line or an input that is not a capture.
 */
public final class ReplayCommand {
    static final String HELP = """
            usage: bin/panamax replay FILE... [options]

            Feeds each capture (pcap or pcapng, Ethernet) through a fresh stack in replay mode, with
            the echo sample's services (echo on UDP and TCP port 7, discard on TCP port 9), and
            prints the drop counters by reason and the frames the stack sent. Time is virtual: the
            capture's own pacing, replayed at once.

              --out FILE          write every frame the stack sent to FILE (pcap; pcapng if the name
                                  ends in .pcapng), the replies to all inputs in order
              --shards N          shards of the stack (default: 1); more shards forward in software
              --listen PORTS      also serve TCP discard on these ports (comma-separated), for
                                  conversations whose server port the sample does not serve
              --pacing MODE       recorded (default: the capture's timing, on the virtual clock) or
                                  asap (every frame at once)
              --linger SECONDS    virtual time to run after the last frame, so that timers fire
                                  (retransmissions, reassembly timeouts; default: 0)
              --ip CIDR           the stack's address (default: 10.7.0.2/24)
              --help              this text

            Exit status: 0 the stack came through, 1 the stack failed (uncaught error, leaked
            buffer), 2 bad arguments or a file that is not a capture.
            """;

    private static final Set<String> VALUED = Set.of("out", "shards", "listen", "pacing", "linger", "ip");
    private static final Set<String> FLAGS = Set.of("help");

    private ReplayCommand() {
    }


    static int run(String[] args, PrintStream out, PrintStream err) {
        Options o = Options.parse(args, VALUED, FLAGS);
        if (o.has("help")) {
            out.print(HELP);
            return 0;
        }
        List<Path> inputs = new ArrayList<>();
        for (String f : o.positional()) {
            inputs.add(Path.of(f));
        }
        if (inputs.isEmpty()) {
            throw new UsageException("no capture file given (see --help)");
        }
        StackReplay.Settings settings = settingsFrom(o);
        for (Path in : inputs) {
            checkReadable(in);
        }
        Path output = o.has("out") ? Path.of(o.get("out")) : null;
        if (output != null && inputs.stream().anyMatch(in -> in.toAbsolutePath().equals(output.toAbsolutePath()))) {
            throw new UsageException("--out " + output + " is one of the inputs");
        }
        List<StackReplay.Result> results = new ArrayList<>();
        boolean failed = false;
        Path scratch = null;
        try {
            scratch = Files.createTempDirectory("panamax-replay");
            for (int i = 0; i < inputs.size(); i++) {
                Path sent = scratch.resolve(i + ".pcap");
                StackReplay.Result r;
                try {
                    r = StackReplay.replay(inputs.get(i), settings.withOutput(sent));
                } catch (PcapFormatException e) {
                    // Checked up front; a file that changed since is still the input's fault.
                    throw new UsageException(e.getMessage());
                }
                results.add(r);
                print(r, settings, out);
                failed |= r.stackFailed();
            }
            if (output != null) {
                long frames = merge(results, output);
                out.println("wrote " + frames + " frame(s) the stack sent to " + output);
            }
        } catch (UsageException e) {
            throw e;
        } catch (Exception | Error e) {
            err.println("panamax replay: the stack failed: " + describe(e));
            return 1;
        } finally {
            deleteQuietly(scratch);
        }
        if (failed) {
            err.println("panamax replay: the stack failed on " + results.stream().filter(StackReplay.Result::stackFailed)
                    .map(r -> r.input().toString()).toList());
            return 1;
        }
        return 0;
    }

    private static StackReplay.Settings settingsFrom(Options o) {
        int shards = o.intValue("shards", 1, 1, 64);
        String pacingName = o.get("pacing", "recorded");
        PcapNic.Pacing pacing = switch (pacingName) {
            case "recorded" -> PcapNic.Pacing.RECORDED;
            case "asap" -> PcapNic.Pacing.ASAP;
            default -> throw new UsageException("--pacing must be recorded or asap, got '" + pacingName + "'");
        };
        int linger = o.intValue("linger", 0, 0, 86_400);
        String ip = o.get("ip", "10.7.0.2/24");
        Ipv4Address.Prefix prefix;
        try {
            prefix = Ipv4Address.Prefix.parse(ip);
            StackReplay.gatewayFor(prefix.toString());
        } catch (IllegalArgumentException e) {
            throw new UsageException("--ip: " + e.getMessage());
        }
        Set<Integer> ports = new LinkedHashSet<>();
        String listen = o.get("listen");
        if (listen != null) {
            for (String p : listen.split(",")) {
                try {
                    int port = Integer.parseInt(p.trim());
                    if (port < 1 || port > 65535) {
                        throw new NumberFormatException();
                    }
                    ports.add(port);
                } catch (NumberFormatException e) {
                    throw new UsageException("--listen wants ports 1-65535 separated by commas, got '" + p.trim() + "'");
                }
            }
            ports.remove(EchoServices.ECHO_PORT);
            ports.remove(EchoServices.DISCARD_PORT);
        }
        StackReplay.Settings s = StackReplay.Settings.defaults().withShards(shards).withPacing(pacing).withLinger(Duration.ofSeconds(linger))
                .withAddress(prefix.toString());
        return ports.isEmpty() ? s : s.withServices(stack -> {
            for (int port : ports) {
                stack.tcp().listen(port, StandardServices::discard);
            }
        });
    }

    /** A missing, unreadable or non-capture input is the command line's fault: status 2 before anything runs. */
    private static void checkReadable(Path in) {
        if (!Files.isRegularFile(in)) {
            throw new UsageException("no such file: " + in);
        }
        if (!Files.isReadable(in)) {
            throw new UsageException("cannot read " + in);
        }
        try (PcapNic probe = PcapNic.builder().input(in).open()) {
            Objects.requireNonNull(probe);
        } catch (PcapFormatException e) {
            throw new UsageException(e.getMessage());
        } catch (IOException e) {
            throw new UsageException("cannot read " + in + ": " + e.getMessage());
        }
    }

    private static void print(StackReplay.Result r, StackReplay.Settings s, PrintStream out) {
        ReplayEnd end = r.end();
        out.println(r.input() + ": " + end.frames() + " frame(s) replayed on " + s.shards() + " shard"
                + (s.shards() == 1 ? "" : "s") + (end.cutFrames() > 0 ? " (" + end.cutFrames() + " cut short by the capture)" : "")
                + (end.complete() ? "" : "; input ended early: " + end.error().getMessage()));
        Map<String, Long> drops = r.drops();
        if (drops.isEmpty()) {
            out.println("  drops: none");
        } else {
            out.println("  drops by reason:");
            int width = drops.keySet().stream().mapToInt(String::length).max().orElse(0);
            drops.forEach((k, v) -> out.printf("    %-" + width + "s %8d%n", k, v));
        }
        out.println("  sent: " + r.framesSent() + " frame(s)" + (r.sentByKind().isEmpty() ? "" : ": " + describe(r.sentByKind())));
        if (r.stackFailed()) {
            out.println("  STACK FAILED: " + r.failure());
        } else {
            out.println("  stack: no uncaught error, no leak");
        }
    }

    private static String describe(Map<String, Long> kinds) {
        StringBuilder sb = new StringBuilder();
        kinds.forEach((k, v) -> sb.append(sb.isEmpty() ? "" : ", ").append(k).append(' ').append(v));
        return sb.toString();
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m != null ? ": " + m : "");
    }

    /** Copies what the stack sent in each run, in order, into {@code output}; returns the frame count. */
    private static long merge(List<StackReplay.Result> results, Path output) throws IOException {
        long frames = 0;
        try (CaptureFileWriter w = CaptureFileWriter.create(output, CaptureFileWriter.Format.forFile(output),
                List.of("panamax"), CaptureFileWriter.MAX_SNAPLEN)) {
            for (StackReplay.Result r : results) {
                try (CaptureFileReader in = CaptureFileReader.open(r.output())) {
                    while (in.next()) {
                        w.write(in.timestampNanos(), in.bytes(), in.dataOffset(), in.capturedLength(), in.originalLength(), 0,
                                CaptureFileWriter.DIRECTION_OUTBOUND);
                        frames++;
                    }
                }
            }
        }
        return frames;
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // A temporary directory left behind is harmless.
        }
    }
}
