package io.kvgrid.ssd;

import com.sun.nio.file.ExtendedOpenOption;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The preallocated data file, read and written with positional FileChannel calls. Each block occupies one extent
 * that starts on a 4 KiB boundary and is a multiple of 4 KiB long. With O_DIRECT every transfer goes through a
 * per-thread aligned staging buffer (the kernel demands aligned addresses, offsets and lengths).
 */
final class BlockFile implements AutoCloseable {
    /** Extent granularity and O_DIRECT alignment. */
    static final int ALIGN = 4096;

    private final FileChannel ch;
    private final boolean direct;
    private final ThreadLocal<ByteBuffer> staging = new ThreadLocal<>();

    BlockFile(Path file, long length, boolean direct) throws IOException {
        this.direct = direct;
        try (FileChannel sizer = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
            StandardOpenOption.WRITE)) {
            if (sizer.size() > length)
                sizer.truncate(length);
            else if (sizer.size() < length)
                sizer.write(ByteBuffer.allocate(1), length - 1); // sparse: only the last page is materialised
        }
        List<OpenOption> opts = new ArrayList<>(List.of(StandardOpenOption.READ, StandardOpenOption.WRITE));
        if (direct)
            opts.add(ExtendedOpenOption.DIRECT);
        ch = FileChannel.open(file, opts.toArray(new OpenOption[0]));
    }

    static long align(long len) {
        return (len + ALIGN - 1) & -ALIGN;
    }

    /** Writes all remaining bytes of {@code src} (its position unchanged) at {@code off}. */
    void write(ByteBuffer src, long off) throws IOException {
        ByteBuffer b = src.duplicate();
        if (direct) {
            int len = b.remaining();
            ByteBuffer s = staging((int) align(len));
            s.put(b);
            while (s.hasRemaining())
                s.put((byte) 0);
            s.flip();
            b = s;
        }
        long pos = off;
        while (b.hasRemaining())
            pos += ch.write(b, pos);
    }

    /**
     * Reads {@code len} bytes at {@code off} into {@code dst} from its position (which is left unchanged).
     * A file that ends early yields zeros, which the caller's CRC check then rejects.
     */
    void read(long off, int len, ByteBuffer dst) throws IOException {
        ByteBuffer d = dst.duplicate();
        d.limit(d.position() + len);
        if (direct) {
            ByteBuffer s = staging((int) align(len));
            fill(s, off);
            s.flip().limit(len);
            d.put(s);
        } else {
            fill(d, off);
        }
    }

    private void fill(ByteBuffer b, long off) throws IOException {
        long pos = off;
        while (b.hasRemaining()) {
            int n = ch.read(b, pos);
            if (n < 0) {
                while (b.hasRemaining())
                    b.put((byte) 0);
                return;
            }
            pos += n;
        }
    }

    private ByteBuffer staging(int len) {
        ByteBuffer s = staging.get();
        if (s == null || s.capacity() < len) {
            s = ByteBuffer.allocateDirect(len + ALIGN).alignedSlice(ALIGN);
            staging.set(s);
        }
        s.clear().limit(len);
        return s;
    }

    /** fdatasync of the data file. */
    void force() throws IOException {
        ch.force(false);
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
