package io.panamax.netty;

import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The gRPC hello-world Greeter without generated code (messages are raw bytes: the name's UTF-8),
 * as {@code GrpcOverTapTest} and the benchmarks' {@code NettyTransportServer} and {@code GrpcLoad}
 * use it (the benchmarks through this module's test jar): {@code SayHello} (unary, "Hello " + the
 * request) and {@code Download} (server streaming: one chunk sent again and again, as HTTP/2 flow
 * control lets it go, up to a total).
 */
public final class Greeter {
    public static final String SERVICE = "helloworld.Greeter";
    /**
     * Messages as raw bytes, the way protobuf's marshaller moves them: out through a stream gRPC
     * can drain into its frame in one write ({@link Drainable}) and whose length it knows
     * ({@link KnownLength}), in by reading exactly the length gRPC's stream reports. The first
     * version ({@code ByteArrayInputStream} out, {@code readAllBytes()} in) made 79 % of the bytes
     * a call allocated, on both transports and in the load generator alike: gRPC copies a stream
     * that is not {@code Drainable} through Guava's {@code ByteStreams.copy} (an 8 KB buffer per
     * message) and {@code readAllBytes} takes a 16 KB buffer before it knows the length (JFR
     * allocation samples, issue 12 notes).
     */
    public static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new BytesStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                if (stream instanceof KnownLength) { // gRPC's message streams are
                    byte[] message = stream.readNBytes(stream.available());
                    if (stream.read() < 0) {
                        return message;
                    }
                    throw new IOException("a message longer than its stream's known length " + message.length);
                }
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    /** A message's bytes as gRPC's framer wants them: known length, drained in one write. */
    private static final class BytesStream extends ByteArrayInputStream implements Drainable, KnownLength {
        BytesStream(byte[] bytes) {
            super(bytes);
        }

        @Override
        public int drainTo(OutputStream target) throws IOException {
            int n = count - pos;
            target.write(buf, pos, n);
            pos = count;
            return n;
        }
    }
    public static final MethodDescriptor<byte[], byte[]> SAY_HELLO = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName(SERVICE + "/SayHello")
            .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
    public static final MethodDescriptor<byte[], byte[]> DOWNLOAD = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.SERVER_STREAMING).setFullMethodName(SERVICE + "/Download")
            .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
    private static final byte[] HELLO = "Hello ".getBytes(StandardCharsets.UTF_8);

    private Greeter() {
    }

    /** {@code SayHello}, and a {@code Download} that sends nothing. */
    public static ServerServiceDefinition service() {
        return service(new byte[1], 0);
    }

    /** {@code SayHello}, and a {@code Download} of {@code chunk} until {@code downloadBytes} are sent. */
    public static ServerServiceDefinition service(byte[] chunk, long downloadBytes) {
        return ServerServiceDefinition.builder(SERVICE)
                .addMethod(SAY_HELLO, ServerCalls.asyncUnaryCall((byte[] req, StreamObserver<byte[]> out) -> {
                    byte[] reply = new byte[HELLO.length + req.length];
                    System.arraycopy(HELLO, 0, reply, 0, HELLO.length);
                    System.arraycopy(req, 0, reply, HELLO.length, req.length);
                    out.onNext(reply);
                    out.onCompleted();
                }))
                .addMethod(DOWNLOAD, ServerCalls.asyncServerStreamingCall((byte[] req, StreamObserver<byte[]> out) -> {
                    var call = (ServerCallStreamObserver<byte[]>) out;
                    long[] sent = {0};
                    boolean[] done = {false};
                    call.setOnReadyHandler(() -> {
                        while (call.isReady() && sent[0] < downloadBytes) {
                            call.onNext(chunk);
                            sent[0] += chunk.length;
                        }
                        if (sent[0] >= downloadBytes && !done[0]) {
                            done[0] = true;
                            call.onCompleted();
                        }
                    });
                }))
                .build();
    }
}
