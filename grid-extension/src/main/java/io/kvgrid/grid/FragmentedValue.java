package io.kvgrid.grid;

import org.apache.ignite.internal.processors.cache.IncompleteCacheObject;

import java.nio.ByteBuffer;

/**
 * A value Ignite reads fragment by fragment out of a row that spans pages, taken kvgrid's way instead of into the
 * fresh array of Ignite's own {@link IncompleteCacheObject}: a head of its length (4 bytes, in the page's byte order)
 * and type (1 byte), which may itself be split between fragments, then its bytes, each run of them handed to
 * {@link #take}. Read into a lent buffer ({@link LentRowReads}) or passed over ({@link UnreadRemovals}).
 */
abstract class FragmentedValue extends IncompleteCacheObject {
    private static final ByteBuffer NOTHING = ByteBuffer.allocate(0);
    private final byte[] head = new byte[HEAD_LEN];
    private int headRead;
    /** Bytes of the value still to come; -1 until the head is read. */
    private int left = -1;

    FragmentedValue() {
        super(NOTHING.duplicate()); // nothing to read yet: Ignite's part allocates only its 5-byte head
    }

    /** The head is read: {@code length} bytes of value follow. */
    abstract void begin(int length);

    /** The next {@code n} bytes of the value, from {@code buf}'s position; moves that position past them. */
    abstract void take(ByteBuffer buf, int n);

    /** Reads what {@code buf} holds of this value, up to its end. */
    @Override
    public final void readData(ByteBuffer buf) {
        if (left < 0) {
            int n = Math.min(HEAD_LEN - headRead, buf.remaining());
            buf.get(head, headRead, n);
            headRead += n;
            if (headRead < HEAD_LEN)
                return;
            int length = ByteBuffer.wrap(head).order(buf.order()).getInt();
            if (length < 0) // as Ignite's own read fails on it (a negative array size)
                throw new IllegalStateException("a row's value has a negative length: " + length);
            begin(length);
            left = length;
        }
        int n = Math.min(left, buf.remaining());
        take(buf, n);
        left -= n;
    }

    @Override
    public final boolean isReady() {
        return left == 0;
    }

    @Override
    public final byte type() {
        return head[HEAD_LEN - 1];
    }
}
