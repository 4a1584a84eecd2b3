package io.kvgrid.grid;

import java.io.BufferedOutputStream;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.InputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;

/**
 * The streams a block channel server reads requests from and writes payloads to. A plain {@code java.net.Socket}
 * writes a heap array 128 KiB at a time (the JDK's {@code NioSocketImpl} copies each piece into a temporary direct
 * buffer, then makes a system call); the socket of a {@code SocketChannel} writes as much as it is given in one.
 * Measured here with a 1 MiB reply to a plain-socket client on loopback: p50 0.53-0.76 ms written from a plain
 * socket, 0.34-0.38 ms written from a channel's in {@link #CHUNK} pieces, 0.43-0.48 ms in one piece (the reader starts
 * on the first piece while the second is copied).
 *
 * <p>A channel's socket reads into, and writes from, a heap array through a temporary direct buffer the size of the
 * call, which the JDK keeps for the thread and counts against the JVM's direct memory: so writes go in {@link #CHUNK}
 * pieces and reads in {@link #READ_PIECE} pieces (a 64 MiB block read or written whole would leave 64 MiB of direct
 * memory on each channel thread; with the pieces, a thread keeps at most {@link #CHUNK}).
 */
final class SocketStreams {
    /** Bytes handed to a channel socket per write. */
    static final int CHUNK = 512 << 10;
    /** Bytes asked of a channel socket per read: as much as a plain socket reads per call. */
    static final int READ_PIECE = 128 << 10;

    private SocketStreams() {
    }

    /** {@code s}'s output, in {@link #CHUNK} pieces when it is a channel's socket, as it is otherwise. */
    static OutputStream output(Socket s) throws IOException {
        OutputStream out = s.getOutputStream();
        return s.getChannel() == null ? out : chunked(out);
    }

    /** {@code s}'s input, read in {@link #READ_PIECE} pieces when it is a channel's socket, as it is otherwise. */
    static InputStream input(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        return s.getChannel() == null ? in : new FilterInputStream(in) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return in.read(b, off, Math.min(len, READ_PIECE));
            }
        };
    }

    /** {@code out}, handed each write in {@link #CHUNK} pieces. */
    static OutputStream chunked(OutputStream out) {
        return new Chunked(out);
    }

    /**
     * {@code s}'s output ({@link #output}) behind a buffer of {@code size} bytes, which writes a payload after what it
     * holds ({@link Answers#writePayload}).
     */
    static Answers answers(Socket s, int size) throws IOException {
        return new Answers(output(s), s.getChannel(), size);
    }

    /**
     * A socket's buffered output that writes payloads after the bytes it holds (an answer's head): a heap buffer's
     * bytes through the buffer; a direct buffer straight to the socket's channel in {@link #CHUNK} pieces, the held
     * bytes gathered into the first write, without the copy into a direct buffer the JDK makes of an array. Gathered,
     * the head and the payload leave in one system call and reach the reader together; written apart, the 5-byte head
     * went out as a segment of its own, and the reader woke for it alone. (A socket without a channel, as TLS's, is
     * lent heap buffers; a direct one meeting it goes through the buffer in pieces.)
     */
    static final class Answers extends BufferedOutputStream {
        private final GatheringByteChannel channel;

        /** Buffers what goes to {@code out}; payloads go to {@code channel} where not null (the socket's). */
        Answers(OutputStream out, GatheringByteChannel channel, int size) {
            super(out, size);
            this.channel = channel;
        }

        /** Writes {@code payload} (position to limit, which it leaves as they were) after what this stream holds. */
        void writePayload(ByteBuffer payload) throws IOException {
            if (payload.hasArray()) {
                write(payload.array(), payload.arrayOffset() + payload.position(), payload.remaining());
                return;
            }
            ByteBuffer b = payload.duplicate();
            if (channel == null) {
                byte[] piece = new byte[Math.min(CHUNK, b.remaining())];
                for (int n; (n = Math.min(piece.length, b.remaining())) > 0; ) {
                    b.get(piece, 0, n);
                    write(piece, 0, n);
                }
                return;
            }
            if (!b.hasRemaining())
                return; // nothing to add to what is held
            ByteBuffer held = ByteBuffer.wrap(buf, 0, count);
            count = 0; // goes out with the first piece
            for (int end = b.limit(); b.position() < end; ) {
                b.limit(Math.min(end, b.position() + CHUNK));
                ByteBuffer[] pieces = {held, b};
                while (held.hasRemaining() || b.hasRemaining())
                    channel.write(pieces);
            }
        }
    }

    private static final class Chunked extends FilterOutputStream {
        Chunked(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            java.util.Objects.checkFromIndexSize(off, len, b.length);
            for (int end = off + len; off < end; off += CHUNK)
                out.write(b, off, Math.min(CHUNK, end - off));
        }
    }
}
