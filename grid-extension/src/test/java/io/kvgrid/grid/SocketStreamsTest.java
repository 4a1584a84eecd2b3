package io.kvgrid.grid;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The stream the block channel writes payloads to: pieces of at most a chunk on a channel's socket, bytes whole. */
@Timeout(60)
class SocketStreamsTest {
    @Test
    void aLargeWriteReachesTheStreamBelowInPiecesOfAtMostAChunkAndInOrder() throws IOException {
        List<Integer> pieces = new ArrayList<>();
        ByteArrayOutputStream below = new ByteArrayOutputStream();
        OutputStream recording = new OutputStream() {
            @Override
            public void write(int b) {
                throw new AssertionError("a payload is handed on in pieces, not byte by byte");
            }

            @Override
            public void write(byte[] b, int off, int len) {
                pieces.add(len);
                below.write(b, off, len);
            }
        };
        byte[] payload = payload(2 * SocketStreams.CHUNK + 7, 1);
        SocketStreams.chunked(recording).write(payload, 3, payload.length - 3);
        assertEquals(List.of(SocketStreams.CHUNK, SocketStreams.CHUNK, 4), pieces);
        assertArrayEquals(java.util.Arrays.copyOfRange(payload, 3, payload.length), below.toByteArray());
    }

    @Test
    void aWriteOutsideItsArrayIsRefusedBeforeAnyByteGoesOut() {
        List<Integer> pieces = new ArrayList<>();
        OutputStream s = SocketStreams.chunked(new OutputStream() {
            @Override
            public void write(int b) {
                pieces.add(1);
            }
        });
        assertThrows(IndexOutOfBoundsException.class, () -> s.write(new byte[10], 4, 7));
        assertTrue(pieces.isEmpty());
    }

    @Test
    void aChannelsSocketDeliversAPayloadOfSeveralChunksWhole() throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            byte[] payload = payload(3 * SocketStreams.CHUNK + 123, 2);
            CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> {
                try (Socket c = new Socket(InetAddress.getLoopbackAddress(), server.socket().getLocalPort())) {
                    byte[] b = new byte[payload.length];
                    new DataInputStream(c.getInputStream()).readFully(b);
                    return b;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            try (Socket s = server.socket().accept()) {
                OutputStream out = SocketStreams.output(s);
                assertInstanceOf(java.io.FilterOutputStream.class, out, "the socket's stream, handed pieces");
                out.write(payload);
                out.flush();
                assertArrayEquals(payload, received.get(30, java.util.concurrent.TimeUnit.SECONDS));
            }
        }
    }

    @ParameterizedTest(name = "channel socket: {0}")
    @ValueSource(booleans = {true, false})
    void aDirectBufferFollowsWhatTheStreamHoldsAndArrivesWholeWithItsPositionLeftAsItWas(boolean channel)
        throws Exception {
        byte[] payload = payload(2 * SocketStreams.CHUNK + 99, 3);
        ByteBuffer direct = ByteBuffer.allocateDirect(payload.length + 10);
        direct.position(10);
        direct.put(payload).flip().position(10);
        try (ServerSocketChannel server = ServerSocketChannel.open();
             ServerSocket plain = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = channel ? server.socket().getLocalPort() : plain.getLocalPort();
            CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> {
                try (Socket c = new Socket(InetAddress.getLoopbackAddress(), port)) {
                    DataInputStream in = new DataInputStream(c.getInputStream());
                    byte[] b = new byte[in.readInt()];
                    in.readFully(b);
                    return b;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            try (Socket s = channel ? server.socket().accept() : plain.accept()) {
                SocketStreams.Answers answers = SocketStreams.answers(s, 64 << 10);
                DataOutputStream out = new DataOutputStream(answers);
                out.writeInt(payload.length); // held by the buffered stream until the payload goes out
                answers.writePayload(direct);
                out.flush();
                assertArrayEquals(payload, received.get(30, java.util.concurrent.TimeUnit.SECONDS));
            }
        }
        assertEquals(10, direct.position());
        assertEquals(payload.length + 10, direct.limit());
    }

    @Test
    void aDirectPayloadLeavesInTheSameChannelWriteAsTheHeadBeforeItThenInChunks() throws IOException {
        byte[] payload = payload(2 * SocketStreams.CHUNK + 77, 5);
        ByteBuffer direct = ByteBuffer.allocateDirect(payload.length).put(payload).flip();
        RecordingChannel channel = new RecordingChannel(100 << 10);
        ByteArrayOutputStream viaStream = new ByteArrayOutputStream();
        SocketStreams.Answers answers = new SocketStreams.Answers(viaStream, channel, 64 << 10);
        DataOutputStream out = new DataOutputStream(answers);
        out.writeByte(7);
        out.writeInt(payload.length);
        answers.writePayload(direct);
        out.flush();

        assertEquals(0, viaStream.size(), "nothing went the stream's way");
        List<byte[]> calls = channel.calls;
        assertEquals(100 << 10, calls.get(0).length, "the first write took the head and the payload's start together");
        assertEquals(7, calls.get(0)[0]);
        assertEquals(payload.length, java.nio.ByteBuffer.wrap(calls.get(0), 1, 4).getInt());
        assertArrayEquals(java.util.Arrays.copyOfRange(payload, 0, (100 << 10) - 5),
            java.util.Arrays.copyOfRange(calls.get(0), 5, 100 << 10));
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] c : calls)
            all.write(c);
        byte[] sent = all.toByteArray();
        assertArrayEquals(payload, java.util.Arrays.copyOfRange(sent, 5, sent.length));
        assertTrue(channel.offered.stream().allMatch(n -> n <= 5 + SocketStreams.CHUNK),
            "each write is offered at most the head and a chunk: " + channel.offered);
        assertEquals(List.of(5 + SocketStreams.CHUNK), channel.offered.subList(0, 1));
        assertEquals(0, direct.position());
        assertEquals(payload.length, direct.limit());
    }

    @Test
    void aChannelsSocketIsReadAtMostAReadPieceAtATimeAndTheBytesComeWhole() throws Exception {
        byte[] payload = payload(3 * SocketStreams.READ_PIECE + 5, 4);
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.socket().setReceiveBufferSize(4 << 20); // room for the whole payload before the first read
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            try (Socket c = new Socket(InetAddress.getLoopbackAddress(), server.socket().getLocalPort());
                 Socket s = server.socket().accept()) {
                c.getOutputStream().write(payload);
                c.getOutputStream().flush();
                java.io.InputStream in = SocketStreams.input(s);
                byte[] got = new byte[payload.length];
                // The whole payload in the receive buffer: one read could take it all.
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
                    .until(() -> in.available() >= payload.length);
                for (int off = 0, n; off < got.length; off += n) {
                    n = in.read(got, off, got.length - off);
                    assertTrue(n > 0 && n <= SocketStreams.READ_PIECE, "read " + n + " bytes at " + off);
                }
                assertArrayEquals(payload, got);
            }
        }
    }

    @Test
    void aPlainSocketIsReadAndWrittenAsItIs() throws IOException {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket c = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
             Socket s = server.accept()) {
            assertSame(s.getOutputStream(), SocketStreams.output(s));
            assertSame(c.getOutputStream(), SocketStreams.output(c));
            assertSame(s.getInputStream(), SocketStreams.input(s));
        }
    }

    private static byte[] payload(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** A channel that takes at most {@code most} bytes per write, as a full socket buffer would, and keeps each call's. */
    private static final class RecordingChannel implements java.nio.channels.GatheringByteChannel {
        final List<byte[]> calls = new ArrayList<>();
        /** The bytes each write was offered. */
        final List<Integer> offered = new ArrayList<>();
        private final int most;

        RecordingChannel(int most) {
            this.most = most;
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) {
            int have = 0;
            for (int i = offset; i < offset + length; i++)
                have += srcs[i].remaining();
            offered.add(have);
            ByteArrayOutputStream took = new ByteArrayOutputStream();
            for (int i = offset; i < offset + length && took.size() < most; i++) {
                int n = Math.min(srcs[i].remaining(), most - took.size());
                byte[] b = new byte[n];
                srcs[i].get(b);
                took.write(b, 0, n);
            }
            calls.add(took.toByteArray());
            return took.size();
        }

        @Override
        public long write(ByteBuffer[] srcs) {
            return write(srcs, 0, srcs.length);
        }

        @Override
        public int write(ByteBuffer src) {
            return (int) write(new ByteBuffer[] {src}, 0, 1);
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
