package io.panamax.netty;

import io.netty.channel.IoHandle;

/** What a channel of this transport registers with its {@link PanamaxEventLoop}. */
interface PanamaxIoHandle extends IoHandle {
}
