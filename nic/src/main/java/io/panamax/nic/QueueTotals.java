package io.panamax.nic;

/** Sums of the {@link QueueStats} of every queue of a NIC, read at one moment. */
public record QueueTotals(long rxPackets, long rxBytes, long rxDrops, long rxErrors,
                          long txPackets, long txBytes, long txDrops, long txErrors) {

    public static QueueTotals of(Nic nic) {
        long[] t = new long[8];
        for (int i = 0; i < nic.queueCount(); i++) {
            QueueStats s = nic.queue(i).stats();
            t[0] += s.rxPackets.get();
            t[1] += s.rxBytes.get();
            t[2] += s.rxDrops.get();
            t[3] += s.rxErrors.get();
            t[4] += s.txPackets.get();
            t[5] += s.txBytes.get();
            t[6] += s.txDrops.get();
            t[7] += s.txErrors.get();
        }
        return new QueueTotals(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7]);
    }
}
