package io.kvgrid.ssd;

import com.sun.nio.file.ExtendedOpenOption;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

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

    BlockFile(Path file, long length, boolean direct, boolean preallocate) throws IOException {
        try (FileChannel sizer = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
            StandardOpenOption.WRITE)) {
            long old = sizer.size();
            if (old > length)
                sizer.truncate(length);
            else if (old < length && preallocate)
                zero(sizer, old, length);
            else if (old < length)
                sizer.write(ByteBuffer.allocate(1), length - 1); // sparse: only the last page is materialised
        }
        FileChannel opened = null;
        if (direct) {
            try {
                opened = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE,
                    ExtendedOpenOption.DIRECT);
            } catch (IOException | UnsupportedOperationException e) {
                // tmpfs and some network file systems refuse O_DIRECT: fall back to the page cache
                org.slf4j.LoggerFactory.getLogger(BlockFile.class).warn("O_DIRECT refused for {} ({}); using buffered I/O",
                    file, e.toString());
            }
        }
        this.direct = opened != null;
        ch = opened != null ? opened : FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    /** Whether transfers bypass the page cache (O_DIRECT was asked for and the file system took it). */
    boolean direct() {
        return direct;
    }

    /** Writes zeros over {@code [from, to)} and forces them: every block is allocated before the first spill. */
    private static void zero(FileChannel ch, long from, long to) throws IOException {
        ByteBuffer z = ByteBuffer.allocateDirect(8 << 20);
        for (long pos = from; pos < to; ) {
            z.clear().limit((int) Math.min(z.capacity(), to - pos));
            while (z.hasRemaining())
                pos += ch.write(z, pos);
        }
        ch.force(false);
    }

    static long align(long len) {
        return (len + ALIGN - 1) & -ALIGN;
    }

    /** Writes all remaining bytes of {@code src} (its position unchanged) at {@code off}. */
    void write(ByteBuffer src, long off) throws IOException {
        ByteBuffer b = src.duplicate();
        if (!direct) {
            writeFully(b, off);
            return;
        }
        long pos = off;
        int head = alignedHead(b);
        if (head > 0) {
            // An aligned direct buffer goes to the device as it is: no staging copy for all whole 4 KiB pages.
            ByteBuffer h = b.duplicate();
            h.limit(h.position() + head);
            writeFully(h, pos);
            b.position(b.position() + head);
            pos += head;
        }
        if (b.hasRemaining()) {
            ByteBuffer s = staging((int) align(b.remaining()));
            s.put(b);
            while (s.hasRemaining())
                s.put((byte) 0);
            writeFully(s.flip(), pos);
        }
    }

    /**
     * Reads {@code len} bytes at {@code off} into {@code dst} from its position (which is left unchanged); writes no
     * byte of {@code dst} beyond {@code len}. A file that ends early yields zeros, which the caller's CRC rejects.
     */
    void read(long off, int len, ByteBuffer dst) throws IOException {
        ByteBuffer d = dst.duplicate();
        d.limit(d.position() + len);
        if (!direct) {
            fill(d, off);
            return;
        }
        long pos = off;
        int head = alignedHead(d);
        if (head > 0) {
            ByteBuffer h = d.duplicate();
            h.limit(h.position() + head);
            fill(h, pos);
            d.position(d.position() + head);
            pos += head;
        }
        if (d.hasRemaining()) {
            int tail = d.remaining();
            ByteBuffer s = staging((int) align(tail));
            fill(s, pos);
            s.flip().limit(tail);
            d.put(s);
        }
    }

    /** Whole 4 KiB pages of {@code b} that O_DIRECT can transfer in place (0 unless direct and page-aligned). */
    private static int alignedHead(ByteBuffer b) {
        if (!b.isDirect() || b.remaining() < ALIGN || b.alignmentOffset(b.position(), ALIGN) != 0)
            return 0;
        return b.remaining() & -ALIGN;
    }

    private void writeFully(ByteBuffer b, long off) throws IOException {
        long pos = off;
        while (b.hasRemaining())
            pos += ch.write(b, pos);
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
