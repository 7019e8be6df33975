package io.panamax.tls.wire;

import java.util.List;

/**
 * What a server needs to know of a ClientHello before the {@code SSLEngine} answers it (RFC 8446
 * §4.1.2, RFC 5246 §7.4.1.2): the versions offered, whether the client marks the connection as a
 * fallback (TLS_FALLBACK_SCSV, RFC 7507), and the SNI (RFC 6066 §3) and ALPN (RFC 7301 §3.1)
 * values. Parsed by {@link ClientHelloParser}.
 *
 * @param legacyVersion        {@code ClientHello.legacy_version} (0x0303 for TLS 1.2 and 1.3)
 * @param supportedVersions    the {@code supported_versions} extension (RFC 8446 §4.2.1), GREASE
 *                             values (RFC 8701) removed; empty when the extension is absent
 * @param fallbackScsv         the cipher suite list holds TLS_FALLBACK_SCSV (0x5600)
 * @param serverNames          the host_name entries of {@code server_name}
 * @param applicationProtocols the ALPN protocol names, in the client's order
 */
public record ClientHello(int legacyVersion, int[] supportedVersions, boolean fallbackScsv,
                          List<String> serverNames, List<String> applicationProtocols) {
    /** TLS_FALLBACK_SCSV (RFC 7507 §2). */
    public static final int TLS_FALLBACK_SCSV = 0x5600;
    public static final int TLS_1_0 = 0x0301;
    public static final int TLS_1_1 = 0x0302;
    public static final int TLS_1_2 = 0x0303;
    public static final int TLS_1_3 = 0x0304;

    /**
     * The highest version the client offers: the largest {@code supported_versions} entry when
     * the extension is there (RFC 8446 §4.2.1: then legacy_version is ignored), else
     * {@code legacy_version}.
     */
    public int highestVersion() {
        if (supportedVersions.length == 0) {
            return legacyVersion;
        }
        int max = 0;
        for (int v : supportedVersions) {
            max = Math.max(max, v);
        }
        return max;
    }

    /** Whether the client offers {@code version} (0x0303 for TLS 1.2...). */
    public boolean offers(int version) {
        if (supportedVersions.length == 0) {
            // RFC 5246 E.1: a pre-1.3 client supports every version up to legacy_version; only
            // the versions this stack can speak (1.2 and up) matter here.
            return version <= legacyVersion;
        }
        for (int v : supportedVersions) {
            if (v == version) {
                return true;
            }
        }
        return false;
    }

    /** "TLSv1.3" for 0x0304 and so on: the names {@code SSLEngine} protocols use. */
    public static String versionName(int version) {
        return switch (version) {
            case 0x0300 -> "SSLv3";
            case TLS_1_0 -> "TLSv1";
            case TLS_1_1 -> "TLSv1.1";
            case TLS_1_2 -> "TLSv1.2";
            case TLS_1_3 -> "TLSv1.3";
            default -> String.format("0x%04x", version);
        };
    }

    /** The wire value of a protocol name ("TLSv1.3" gives 0x0304), or -1. */
    public static int versionOf(String name) {
        return switch (name) {
            case "SSLv3" -> 0x0300;
            case "TLSv1" -> TLS_1_0;
            case "TLSv1.1" -> TLS_1_1;
            case "TLSv1.2" -> TLS_1_2;
            case "TLSv1.3" -> TLS_1_3;
            default -> -1;
        };
    }
}
