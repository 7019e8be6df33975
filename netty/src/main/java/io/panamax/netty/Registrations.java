package io.panamax.netty;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPromise;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;

import java.util.function.Consumer;

/** Registration of a channel's handle with its {@link PanamaxEventLoop}, shared by both channel kinds. */
final class Registrations {
    private Registrations() {
    }

    /** Registers {@code channel}'s unsafe with its loop; {@code onSuccess} gets the registration before the promise completes. */
    static void register(Channel channel, ChannelPromise promise, Consumer<IoRegistration> onSuccess) {
        ((IoEventLoop) channel.eventLoop()).register((PanamaxIoHandle) channel.unsafe()).addListener(f -> {
            if (f.isSuccess()) {
                onSuccess.accept((IoRegistration) f.getNow());
                promise.setSuccess();
            } else {
                promise.setFailure(f.cause());
            }
        });
    }

    /** Cancels {@code r} if there is one. */
    static void cancel(IoRegistration r) {
        if (r != null) {
            r.cancel();
        }
    }
}
