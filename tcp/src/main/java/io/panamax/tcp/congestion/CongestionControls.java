package io.panamax.tcp.congestion;

import java.util.List;

/** Congestion controls by name, for {@code TcpConfig.congestionControl} and per-connection choice. */
public final class CongestionControls {
    /** RFC 5681 with RFC 6582's recovery: {@link NewReno}. */
    public static final String NEWRENO = "newreno";
    /** RFC 9438 with HyStart++ (RFC 9406) as its slow start: {@link Cubic}. */
    public static final String CUBIC = "cubic";

    private CongestionControls() {
    }

    /** The names {@link #create} knows. */
    public static List<String> names() {
        return List.of(NEWRENO, CUBIC);
    }

    /** A fresh congestion control for one connection; throws IllegalArgumentException for an unknown name. */
    public static CongestionControl create(String name) {
        return switch (name) {
            case NEWRENO -> new NewReno();
            case CUBIC -> new Cubic();
            default -> throw new IllegalArgumentException("unknown congestion control \"" + name
                    + "\"; known: " + names());
        };
    }
}
