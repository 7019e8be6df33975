package io.panamax.nic;

import java.util.Set;

/** The receive-side scaling settings of a device that hashes flows to queues in hardware. */
public interface RssControl {

    /**
     * Which headers the device hashes: addresses only ({@code IPV4}, {@code IPV6}: fragments and
     * other protocols), or addresses and ports (the {@code _TCP} and {@code _UDP} types).
     */
    enum HashType { IPV4, IPV4_TCP, IPV4_UDP, IPV6, IPV6_TCP, IPV6_UDP }

    byte[] key();

    void setKey(byte[] key);

    /** Entry {@code i} is the queue that hash values with {@code hash % size == i} go to. */
    int[] redirectionTable();

    void setRedirectionTable(int[] table);

    Set<HashType> hashTypes();
}
