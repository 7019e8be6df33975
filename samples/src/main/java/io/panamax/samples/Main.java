package io.panamax.samples;

import io.panamax.rss.RssCommand;

import java.io.PrintStream;
import java.util.Arrays;

/**
 * The Java side of {@code bin/panamax}: dispatches a subcommand. Bad command lines print one line
 * on stderr and exit with status 2; failures of the stack itself exit with status 1.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            out.println("usage: panamax <echo|redis|replay|rss|bench> [options]   (each takes --help)");
            return args.length == 0 ? 2 : 0;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        try {
            return switch (args[0]) {
                case "echo" -> EchoCommand.run(rest, out, err);
                case "redis" -> RespCommand.run(rest, out, err);
                case "rss" -> new RssCommand().run(rest, out, err);
                case "replay" -> ReplayCommand.run(rest, out, err);
                default -> {
                    err.println("panamax: unknown command '" + args[0] + "'");
                    yield 2;
                }
            };
        } catch (UsageException e) {
            err.println("panamax " + args[0] + ": " + e.getMessage());
            return 2;
        }
    }
}
