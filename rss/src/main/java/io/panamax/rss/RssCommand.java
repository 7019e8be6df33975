package io.panamax.rss;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code panamax rss}: prints the Toeplitz hashes of a flow and the shard it lands on, to check
 * steering by hand against a NIC, a capture or the stack's counters.
 *
 * <pre>
 * panamax rss [--key HEX] [--shards N] [--reta-size N] SRC_IP SRC_PORT DST_IP DST_PORT
 * panamax rss [--key HEX] [--shards N] [--reta-size N] SRC_IP DST_IP
 * </pre>
 *
 * <p>The tuple is the one the receiving NIC hashes: for the replies of a connection the stack
 * opened, SRC is the remote end. The shard is found with the default table (entry {@code i} is
 * shard {@code i mod N}); with ports it is the shard of the 4-tuple hash (TCP), without ports
 * that of the 2-tuple hash (what the NIC uses for other IPv4 packets). IPv6 addresses are accepted
 * for the hashes. Exit status 0 on success, 2 for bad arguments.
 */
public final class RssCommand {
    /** Exit status for bad arguments, as getopt-style tools use. */
    public static final int USAGE_ERROR = 2;

    private static final String NAME = "panamax rss";
    private static final String USAGE = """
            usage: panamax rss [--key HEX] [--shards N] [--reta-size N] SRC_IP SRC_PORT DST_IP DST_PORT
                   panamax rss [--key HEX] [--shards N] [--reta-size N] SRC_IP DST_IP

            Prints the Toeplitz RSS hash of a flow as a NIC computes it (fields in network byte
            order: source address, destination address, source port, destination port) and the
            shard the flow lands on with the default redirection table (entry i -> shard i mod N,
            indexed by the low bits of the hash). For the replies of a connection the stack
            opened, give the remote end as SRC.

              --key HEX        RSS key in hex, colons allowed (default: Microsoft's 40-byte key
                               6d5a56da...01fa; a 0x6d5a repeated key makes the hash symmetric)
              --shards N       number of shards (default: available processors, %d here)
              --reta-size N    redirection table entries, a power of two (default: 128, or
                               4 per shard above 32 shards)
              --help           this text

            With ports, prints the 2-tuple and 4-tuple hashes and the shard of the 4-tuple (TCP).
            Without ports, prints the 2-tuple hash and its shard (IPv4 packets hashed by address).
            Exit status: 0 on success, 2 for bad arguments.
            """;

    private final int defaultShards;

    /** A command whose default shard count is the number of available processors. */
    public RssCommand() {
        this(Runtime.getRuntime().availableProcessors());
    }

    /** A command with the given default shard count (for tests). */
    public RssCommand(int defaultShards) {
        this.defaultShards = defaultShards;
    }

    /** Process entry point for running the command without the launcher. */
    public static void main(String[] args) {
        System.exit(new RssCommand().run(args, System.out, System.err));
    }

    /**
     * Runs the command.
     *
     * @return 0 on success, {@value #USAGE_ERROR} for bad arguments (after one line on {@code err})
     */
    public int run(String[] args, PrintStream out, PrintStream err) {
        Arguments a;
        try {
            a = Arguments.parse(args, defaultShards);
        } catch (IllegalArgumentException e) {
            err.println(NAME + ": " + e.getMessage() + " (see --help)");
            return USAGE_ERROR;
        }
        if (a == null) {
            out.print(USAGE.formatted(defaultShards));
            return 0;
        }
        Report report;
        try {
            report = Report.of(a);
        } catch (IllegalArgumentException | IllegalStateException e) {
            err.println(NAME + ": " + e.getMessage() + " (see --help)");
            return USAGE_ERROR;
        }
        report.print(out);
        return 0;
    }

    /** The parsed command line; {@code null} from {@link #parse} means --help. */
    private record Arguments(byte[] key, int shards, int retaSize, List<String> positional) {
        static Arguments parse(String[] args, int defaultShards) {
            byte[] key = RssKey.microsoft();
            int shards = defaultShards;
            int retaSize = 0;
            List<String> positional = new ArrayList<>();
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                switch (arg) {
                    case "--help", "-h" -> {
                        return null;
                    }
                    case "--key" -> key = RssKey.parseHex(value(args, ++i, arg));
                    case "--shards" -> shards = positive(value(args, ++i, arg), arg);
                    case "--reta-size" -> retaSize = positive(value(args, ++i, arg), arg);
                    default -> {
                        if (arg.startsWith("--")) {
                            throw new IllegalArgumentException("unknown option " + arg);
                        }
                        positional.add(arg);
                    }
                }
            }
            if (positional.size() != 2 && positional.size() != 4) {
                throw new IllegalArgumentException("expected SRC_IP SRC_PORT DST_IP DST_PORT or SRC_IP DST_IP, got "
                        + positional.size() + " argument" + (positional.size() == 1 ? "" : "s"));
            }
            if (key.length < Toeplitz.MIN_KEY_BYTES || key.length > Toeplitz.MAX_KEY_BYTES) {
                throw new IllegalArgumentException("--key has " + key.length + " bytes; an RSS key has "
                        + Toeplitz.MIN_KEY_BYTES + " to " + Toeplitz.MAX_KEY_BYTES + " (40 is standard)");
            }
            if (retaSize == 0) {
                retaSize = FlowSteering.softwareTableSize(shards);
            }
            if (Integer.bitCount(retaSize) != 1 || retaSize > RedirectionTable.MAX_SIZE) {
                throw new IllegalArgumentException("--reta-size must be a power of two up to "
                        + RedirectionTable.MAX_SIZE + ", got " + retaSize);
            }
            if (shards > retaSize) {
                throw new IllegalArgumentException("--shards " + shards + " is more than the " + retaSize
                        + " table entries: some shards would receive nothing");
            }
            return new Arguments(key, shards, retaSize, positional);
        }

        private static String value(String[] args, int i, String option) {
            if (i >= args.length) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return args[i];
        }

        private static int positive(String text, String option) {
            try {
                int v = Integer.parseInt(text);
                if (v >= 1) {
                    return v;
                }
            } catch (NumberFormatException e) {
                // reported below with the option's name
            }
            throw new IllegalArgumentException(option + " needs a positive integer, got '" + text + "'");
        }
    }

    /** The hashes of one flow and where it lands. */
    private record Report(Arguments args, String flow, int hashIpOnly, boolean hasPorts, int hashIpTcp) {
        static Report of(Arguments a) {
            List<String> p = a.positional();
            boolean hasPorts = p.size() == 4;
            String srcText = p.get(0);
            String dstText = hasPorts ? p.get(2) : p.get(1);
            int srcPort = hasPorts ? port(p.get(1), "SRC_PORT") : 0;
            int dstPort = hasPorts ? port(p.get(3), "DST_PORT") : 0;
            boolean v6 = AddressText.looksLikeIpv6(srcText);
            if (v6 != AddressText.looksLikeIpv6(dstText)) {
                throw new IllegalArgumentException("SRC_IP and DST_IP must both be IPv4 or both IPv6: '"
                        + srcText + "', '" + dstText + "'");
            }
            Toeplitz toeplitz = Toeplitz.of(a.key());
            int ipOnly;
            int ipTcp = 0;
            String flow;
            if (v6) {
                byte[] s = AddressText.parseIpv6(srcText);
                byte[] d = AddressText.parseIpv6(dstText);
                long sh = AddressText.longAt(s, 0);
                long sl = AddressText.longAt(s, 8);
                long dh = AddressText.longAt(d, 0);
                long dl = AddressText.longAt(d, 8);
                ipOnly = toeplitz.hashIpv6(sh, sl, dh, dl);
                if (hasPorts) {
                    ipTcp = toeplitz.hashIpv6Tcp(sh, sl, dh, dl, srcPort, dstPort);
                }
                flow = hasPorts ? "[" + srcText + "]:" + srcPort + " -> [" + dstText + "]:" + dstPort
                        : srcText + " -> " + dstText;
            } else {
                int s = AddressText.parseIpv4(srcText);
                int d = AddressText.parseIpv4(dstText);
                ipOnly = toeplitz.hashIpv4(s, d);
                if (hasPorts) {
                    ipTcp = toeplitz.hashIpv4Tcp(s, d, srcPort, dstPort);
                }
                flow = hasPorts
                        ? AddressText.formatIpv4(s) + ":" + srcPort + " -> " + AddressText.formatIpv4(d) + ":" + dstPort
                        : AddressText.formatIpv4(s) + " -> " + AddressText.formatIpv4(d);
            }
            return new Report(a, flow, ipOnly, hasPorts, ipTcp);
        }

        private static int port(String text, String what) {
            if (!text.isEmpty() && text.length() <= 5 && text.chars().allMatch(c -> c >= '0' && c <= '9')) {
                int v = Integer.parseInt(text);
                if (v <= PortRange.MAX_PORT) {
                    return v;
                }
            }
            throw new IllegalArgumentException(what + " must be a port 0.." + PortRange.MAX_PORT + ", got '" + text + "'");
        }

        void print(PrintStream out) {
            RedirectionTable table = RedirectionTable.spreading(args.retaSize(), args.shards());
            int steeringHash = hasPorts ? hashIpTcp : hashIpOnly;
            out.println("key          " + RssKey.toHex(args.key()));
            out.println("flow         " + flow);
            out.println("hash 2-tuple " + hex(hashIpOnly));
            if (hasPorts) {
                out.println("hash 4-tuple " + hex(hashIpTcp));
            }
            out.println("reta index   " + table.indexOf(steeringHash) + " of " + table.size()
                    + " (low bits of the " + (hasPorts ? "4" : "2") + "-tuple hash)");
            out.println("shard        " + table.queueOf(steeringHash) + " of " + args.shards());
        }

        private static String hex(int hash) {
            return "0x%08x".formatted(hash);
        }
    }
}
