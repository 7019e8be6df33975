package io.panamax.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.StandardConstants;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Chooses which {@link TlsCredentials} a handshake presents. A server takes the first credentials
 * whose names match the client's SNI host name (RFC 6066 §3), whatever their key type, and the
 * first of a usable key type when none matches or the client sent no SNI: a server answers every
 * name, as most do. A client takes the first credentials of a key type the server accepts.
 * Aliases are the indexes of the credentials in the configuration.
 */
final class SniKeyManager extends X509ExtendedKeyManager {
    private final List<TlsCredentials> credentials;

    SniKeyManager(List<TlsCredentials> credentials) {
        this.credentials = List.copyOf(credentials);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        String host = requestedHostName(engine == null ? null : engine.getHandshakeSession());
        // The engine asks once per key type it could use, in its order of preference. When some
        // credentials match the SNI name, only those are offered (another key type may be asked
        // next); otherwise the first of the key type is the default.
        boolean anyMatches = false;
        if (host != null) {
            for (TlsCredentials c : credentials) {
                anyMatches |= c.matchesServerName(host);
            }
        }
        for (int i = 0; i < credentials.size(); i++) {
            TlsCredentials c = credentials.get(i);
            if (keyFits(keyType, c) && (!anyMatches || c.matchesServerName(host))) {
                return Integer.toString(i);
            }
        }
        return null;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
        for (int i = 0; i < credentials.size(); i++) {
            for (String t : keyTypes) {
                if (keyFits(t, credentials.get(i))) {
                    return Integer.toString(i);
                }
            }
        }
        return null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return chooseEngineServerAlias(keyType, issuers, null);
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
        return chooseEngineClientAlias(keyTypes, issuers, null);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return aliases(keyType);
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return aliases(keyType);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        TlsCredentials c = byAlias(alias);
        return c == null ? null : c.chain().toArray(X509Certificate[]::new);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        TlsCredentials c = byAlias(alias);
        return c == null ? null : c.privateKey();
    }

    private String[] aliases(String keyType) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < credentials.size(); i++) {
            if (keyFits(keyType, credentials.get(i))) {
                out.add(Integer.toString(i));
            }
        }
        return out.isEmpty() ? null : out.toArray(String[]::new);
    }

    private TlsCredentials byAlias(String alias) {
        try {
            int i = Integer.parseInt(alias);
            return i >= 0 && i < credentials.size() ? credentials.get(i) : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * Whether credentials can serve a key type as the JDK names them: "EC", "RSA", "RSASSA-PSS",
     * "EdDSA", or TLS 1.2's "EC_EC"-style key-and-signer names (the key part is what matters).
     */
    static boolean keyFits(String keyType, TlsCredentials c) {
        if (keyType == null) {
            return false;
        }
        int us = keyType.indexOf('_');
        String wanted = us > 0 ? keyType.substring(0, us) : keyType;
        String have = c.keyAlgorithm();
        if (wanted.equalsIgnoreCase(have)) {
            return true;
        }
        return wanted.startsWith("Ed") && have.startsWith("Ed");
    }

    /** The SNI host_name the client sent, or null. */
    static String requestedHostName(SSLSession session) {
        if (!(session instanceof ExtendedSSLSession s)) {
            return null;
        }
        for (SNIServerName n : s.getRequestedServerNames()) {
            if (n.getType() == StandardConstants.SNI_HOST_NAME && n instanceof SNIHostName h) {
                return h.getAsciiName();
            }
        }
        return null;
    }
}
