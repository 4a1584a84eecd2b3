package io.kvgrid.ssd;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The fixed 32-byte value the Chronicle Map index stores per key (little endian):
 * {@code magic:int, length:int, offset:long, crc32c:int, reserved:int, sequence:long}.
 * The extent of a block is {@code [offset, offset + align4k(length))} in the data file.
 */
record IndexEntry(long offset, int length, int crc, long seq) {
    static final int BYTES = 32;
    static final int MAGIC = 0x4B564731; // "KVG1"

    byte[] encode() {
        byte[] b = new byte[BYTES];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN)
            .putInt(MAGIC).putInt(length).putLong(offset).putInt(crc).putInt(0).putLong(seq);
        return b;
    }

    /** @return the entry, or null when {@code b} is not a well-formed entry */
    static IndexEntry decode(byte[] b) {
        if (b == null || b.length != BYTES)
            return null;
        ByteBuffer in = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        if (in.getInt() != MAGIC)
            return null;
        int length = in.getInt();
        long offset = in.getLong();
        int crc = in.getInt();
        in.getInt();
        long seq = in.getLong();
        if (length < 0 || offset < 0 || offset % BlockFile.ALIGN != 0 || seq <= 0)
            return null;
        return new IndexEntry(offset, length, crc, seq);
    }

    long extent() {
        return BlockFile.align(length);
    }
}
