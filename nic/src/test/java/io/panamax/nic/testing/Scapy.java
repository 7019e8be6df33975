package io.panamax.nic.testing;

import io.panamax.nic.linux.NetworkNamespace;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Scapy (Debian's python3-scapy) as an independent frame source: raw frames sent through a packet
 * socket on an interface inside a namespace, as if a program on that host wrote them to the wire.
 * On a TAP device's kernel side such frames come out of the TAP's file descriptors.
 */
public final class Scapy {
    /** Debian's interpreter, which has the python3-scapy package (a pyenv python may not). */
    public static final String PYTHON = "/usr/bin/python3";

    private static final String SENDP = String.join("\n",
            "import sys",
            "from scapy.all import conf",
            "s = conf.L2socket(iface=sys.argv[1])",
            "for h in sys.argv[2:]:",
            "    s.send(bytes.fromhex(h))",
            "s.close()");

    private static Boolean available;

    private Scapy() {
    }

    /** Whether {@link #PYTHON} can import scapy. */
    public static synchronized boolean available() {
        if (available == null) {
            try {
                available = NetworkNamespace.run(Duration.ofSeconds(30), PYTHON, "-c", "import scapy.all").ok();
            } catch (IOException e) {
                available = false;
            }
        }
        return available;
    }

    /** Sends {@code frames}, byte for byte, out of {@code iface} inside {@code ns}. */
    public static void sendp(NetworkNamespace ns, String iface, List<byte[]> frames) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(PYTHON, "-c", SENDP, iface));
        for (byte[] f : frames) {
            cmd.add(HexFormat.of().formatHex(f));
        }
        ns.exec(Duration.ofSeconds(60), cmd.toArray(String[]::new)).orThrow("scapy sendp on " + iface);
    }

    public static void sendp(NetworkNamespace ns, String iface, byte[]... frames) throws IOException {
        sendp(ns, iface, List.of(frames));
    }
}
