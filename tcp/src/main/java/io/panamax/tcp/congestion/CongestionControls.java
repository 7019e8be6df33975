package io.panamax.tcp.congestion;

import java.util.List;

/** Congestion controls by name, for {@code TcpConfig.congestionControl} and per-connection choice. */
public final class CongestionControls {
    /** RFC 5681 with RFC 6582's recovery: {@link NewReno}. */
    public static final String NEWRENO = "newreno";

    private CongestionControls() {
    }

    /** The names {@link #create} knows. */
    public static List<String> names() {
        return List.of(NEWRENO);
    }

    /** A fresh congestion control for one connection; throws IllegalArgumentException for an unknown name. */
    public static CongestionControl create(String name) {
        return switch (name) {
            case NEWRENO -> new NewReno();
            default -> throw new IllegalArgumentException("unknown congestion control \"" + name
                    + "\"; known: " + names());
        };
    }
}
