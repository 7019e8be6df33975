package io.panamax.netty;

import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoOps;
import io.netty.channel.IoRegistration;

import java.util.ArrayList;
import java.util.List;

/**
 * The I/O side of a {@link PanamaxEventLoop}: the registry of the channels on the loop's shard.
 *
 * <p>Unlike epoll's handler it waits for nothing: the stack delivers I/O on the same thread, as
 * completions of its futures (a read that found data, a write the send buffer accepted, a
 * handshake done), straight into the channels. So {@link #run} has no readiness to collect; the
 * shard's poll loop is the event loop, and parking is the shard's idle policy. What is left is
 * the handler's life cycle: registrations, and closing every channel when the loop shuts down.
 */
final class PanamaxIoHandler implements IoHandler {
    private final PanamaxEventLoop loop;
    /** Registrations on this shard, confined to its thread (registration and closing are not per packet). */
    private final List<Registration> registrations = new ArrayList<>();

    PanamaxIoHandler(PanamaxEventLoop loop) {
        this.loop = loop;
    }

    @Override
    public int run(IoHandlerContext context) {
        return 0; // see the class comment: the stack's completions already ran in this iteration
    }

    @Override
    public void prepareToDestroy() {
        for (Registration r : registrations.toArray(Registration[]::new)) {
            try {
                r.handle.close();
            } catch (Exception e) {
                // the channel reports its own close failures through its pipeline
            }
        }
    }

    @Override
    public void destroy() {
        registrations.clear();
    }

    @Override
    public IoRegistration register(IoHandle handle) {
        if (!(handle instanceof PanamaxIoHandle)) {
            throw new IllegalArgumentException("not a Panamax channel: " + handle);
        }
        Registration r = new Registration(handle);
        registrations.add(r);
        handle.registered();
        return r;
    }

    @Override
    public void wakeup() {
        loop.shard().wakeup();
    }

    @Override
    public boolean isCompatible(Class<? extends IoHandle> handleType) {
        return PanamaxIoHandle.class.isAssignableFrom(handleType);
    }

    long registrations() {
        return registrations.size();
    }

    private final class Registration implements IoRegistration {
        final IoHandle handle;
        boolean valid = true;

        Registration(IoHandle handle) {
            this.handle = handle;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T attachment() {
            return null;
        }

        /** Interest in readiness means nothing here: the channel asks the stack for data itself. */
        @Override
        public long submit(IoOps ops) {
            return 0;
        }

        @Override
        public boolean isValid() {
            return valid;
        }

        @Override
        public boolean cancel() {
            if (!valid) {
                return false;
            }
            valid = false;
            registrations.remove(this);
            handle.unregistered();
            return true;
        }
    }
}
