package io.kvgrid.grid;

import io.kvgrid.BlockStore;
import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The frames of the block channel ({@link BlockChannelServer}): a plain TCP (or TLS) stream on which a client reads
 * and writes whole blocks at the node that is primary for them, one round trip per request, payloads written straight
 * from the stored array to the socket. Ignite's own messaging copies a 1 MiB value through its message writer in small
 * chunks and needs a record round trip before the payload round trip; this is what the 3-process and thin-client
 * reads wait on.
 *
 * <p>A connection opens with {@code MAGIC, HELLO, node id}: the server answers {@link #OK} only if it is that node, so
 * a client trying a node's addresses in turn never reads from another node that happens to listen there. Then any
 * number of requests {@code MAGIC, op, count, keys...}. The reply to a {@link #GET} holds each key in order:
 * {@link #OK} with the payload, or {@link #FAILED} with its typed error. The reply to a {@link #LOOKUP} is {@link #OK},
 * the count and a byte per key (1: found, and leased), or {@link #FAILED} with the error of the whole lookup. A
 * {@link #PUT} ({@link #writePut}) carries its options, each key with its payload's length, then the payloads; its
 * reply holds each key in order: {@link #OK} with whether the key existed and the copies holding the block, or
 * {@link #FAILED} with its typed error. A frame the server cannot accept gets {@link #REFUSED} and a reason, and the
 * connection is closed.
 */
final class BlockChannelWire {
    static final int MAGIC = 0x4B564731; // "KVG1"
    static final byte HELLO = 1;
    static final byte GET = 2;
    static final byte LOOKUP = 3;
    static final byte PUT = 4;

    static final byte OK = 0;
    static final byte FAILED = 1;
    static final byte REFUSED = 2;
    /** Keys in one request: a batch larger than any engine's prefix, small enough to bound one request's reply. */
    static final int MAX_KEYS = 4096;
    /** Longest error message written (a UTF string holds 64 KiB). */
    private static final int MAX_MESSAGE = 4000;

    private BlockChannelWire() {
    }

    /** A frame that breaks the protocol: the connection is closed after saying why. */
    static final class BadFrame extends IOException {
        BadFrame(String message) {
            super(message);
        }
    }

    static void writeHello(DataOutputStream out, UUID node) throws IOException {
        out.writeInt(MAGIC);
        out.writeByte(HELLO);
        out.writeLong(node.getMostSignificantBits());
        out.writeLong(node.getLeastSignificantBits());
    }

    /** A request of {@code op} ({@link #GET} or {@link #LOOKUP}) for at most {@link #MAX_KEYS} keys. */
    static void writeRequest(DataOutputStream out, byte op, List<String> keys) throws IOException {
        out.writeInt(MAGIC);
        out.writeByte(op);
        out.writeInt(keys.size());
        for (String k : keys)
            writeKey(out, k);
    }

    /** Put options on the wire: {@code pin} is {@link #PIN_NONE}, {@link #PIN_HARD} or {@link #PIN_SOFT}. */
    record PutHeader(boolean replace, int replicas, byte pin, long softPinMillis, String preferredNode,
                     String writeId) {
        /**
         * The header of a put (or, with {@code replace}, an upsert) with {@code o}'s options; {@code writeId} names the
         * put call (see {@link WriteIds}), or null.
         */
        static PutHeader of(io.kvgrid.PutOptions o, boolean replace, String writeId) {
            byte pin = o.hardPin() ? PIN_HARD : o.softPinTtl() == null ? PIN_NONE : PIN_SOFT;
            long ms = 0;
            if (pin == PIN_SOFT && !o.softPinTtl().isZero()) {
                try {
                    ms = Math.max(1, o.softPinTtl().toMillis());
                } catch (ArithmeticException e) {
                    ms = Long.MAX_VALUE; // refused by the node as longer than its maxSoftPinTtlMillis
                }
            }
            return new PutHeader(replace, o.replicas(), pin, ms, o.preferredNode(), writeId);
        }
    }

    static final byte PIN_NONE = 0;
    static final byte PIN_HARD = 1;
    /** Soft pin for {@code softPinMillis}, or the node's default TTL when that is 0. */
    static final byte PIN_SOFT = 2;

    /** A PUT of {@code keys} with {@code payloads} (same order, at most {@link #MAX_KEYS}). */
    static void writePut(DataOutputStream out, PutHeader h, List<String> keys, List<byte[]> payloads)
        throws IOException {
        List<Integer> lengths = new ArrayList<>(payloads.size());
        for (byte[] p : payloads)
            lengths.add(p.length);
        writePutHead(out, h, keys, lengths);
        for (byte[] p : payloads)
            out.write(p);
    }

    /** A PUT up to its payloads, which announces blocks of {@code lengths} bytes for {@code keys}. */
    static void writePutHead(DataOutputStream out, PutHeader h, List<String> keys, List<Integer> lengths)
        throws IOException {
        out.writeInt(MAGIC);
        out.writeByte(PUT);
        out.writeBoolean(h.replace());
        out.writeInt(h.replicas());
        out.writeByte(h.pin());
        out.writeLong(h.softPinMillis());
        writeKeyOrEmpty(out, h.preferredNode());
        writeKeyOrEmpty(out, h.writeId());
        out.writeInt(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            writeKey(out, keys.get(i));
            out.writeInt(lengths.get(i));
        }
    }

    /** A PUT's options (after its op); BadFrame when one is out of bounds. */
    static PutHeader readPutHeader(DataInputStream in) throws IOException {
        boolean replace = in.readBoolean();
        int replicas = in.readInt();
        byte pin = in.readByte();
        long softPinMillis = in.readLong();
        int len = in.readUnsignedShort();
        if (replicas < 0 || pin < PIN_NONE || pin > PIN_SOFT || softPinMillis < 0 || len > BlockStore.MAX_KEY_BYTES)
            throw new BadFrame("a put's options are out of bounds (replicas " + replicas + ", pin " + pin
                + ", soft pin " + softPinMillis + " ms, preferred node of " + len + " bytes)");
        byte[] node = new byte[len];
        in.readFully(node);
        int idLen = in.readUnsignedShort();
        if (idLen > WriteIds.MAX_BYTES)
            throw new BadFrame("a put's write id of " + idLen + " bytes is out of bounds (at most "
                + WriteIds.MAX_BYTES + ")");
        byte[] id = new byte[idLen];
        in.readFully(id);
        return new PutHeader(replace, replicas, pin, softPinMillis,
            len == 0 ? null : new String(node, StandardCharsets.UTF_8),
            idLen == 0 ? null : new String(id, StandardCharsets.UTF_8));
    }

    /**
     * A PUT's keys and their payloads' lengths (after its options), {@code lengths} filled in order; BadFrame when the
     * count, a key or a length is out of bounds ({@code maxBlockBytes} each).
     */
    static List<String> readPutKeys(DataInputStream in, int maxBlockBytes, List<Integer> lengths) throws IOException {
        int n = in.readInt();
        if (n < 1 || n > MAX_KEYS)
            throw new BadFrame("a request carries 1.." + MAX_KEYS + " keys, this one " + n);
        List<String> keys = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            keys.add(readKey(in, i));
            int len = in.readInt();
            if (len < 0 || len > maxBlockBytes)
                throw new BadFrame("block " + i + " has " + len + " bytes; this node takes 0.." + maxBlockBytes
                    + " (maxBlockBytes)");
            lengths.add(len);
        }
        return keys;
    }

    /** One key's answer to a PUT: whether it existed and the copies holding the block. */
    static void writeStored(DataOutputStream out, boolean existed, int replicas) throws IOException {
        out.writeByte(OK);
        out.writeBoolean(existed);
        out.writeInt(replicas);
    }

    /** One key's answer to a PUT: {@code PutResult} or its typed error; a refusal ends the connection (BadFrame). */
    static Object readStored(DataInputStream in) throws IOException {
        int status = in.readUnsignedByte();
        if (status == OK)
            return new io.kvgrid.PutResult(in.readBoolean(), in.readInt());
        return readError(status, in);
    }

    private static void writeKeyOrEmpty(DataOutputStream out, String k) throws IOException {
        if (k == null)
            out.writeShort(0);
        else
            writeKey(out, k);
    }

    private static void writeKey(DataOutputStream out, String k) throws IOException {
        byte[] b = k.getBytes(StandardCharsets.UTF_8);
        out.writeShort(b.length);
        out.write(b);
    }

    private static String readKey(DataInputStream in, int i) throws IOException {
        int len = in.readUnsignedShort();
        if (len < 1 || len > BlockStore.MAX_KEY_BYTES)
            throw new BadFrame("key " + i + " is " + len + " bytes; keys are 1.." + BlockStore.MAX_KEY_BYTES);
        byte[] b = new byte[len];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    /** The op of the next frame (after its magic), or -1 at a clean end of stream. */
    static int readOp(DataInputStream in) throws IOException {
        int first = in.read();
        if (first < 0)
            return -1;
        int magic = (first << 24) | (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
        if (magic != MAGIC)
            throw new BadFrame("not a kvgrid block channel frame");
        return in.readUnsignedByte();
    }

    static UUID readHelloNode(DataInputStream in) throws IOException {
        return new UUID(in.readLong(), in.readLong());
    }

    /** The keys of a request; BadFrame when the count or a key's length is out of bounds. */
    static List<String> readKeys(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 1 || n > MAX_KEYS)
            throw new BadFrame("a request carries 1.." + MAX_KEYS + " keys, this one " + n);
        List<String> keys = new ArrayList<>(n);
        for (int i = 0; i < n; i++)
            keys.add(readKey(in, i));
        return keys;
    }

    /** The head of one key's answer holding a block of {@code length} bytes, which follow it. */
    static void writeBlockHead(DataOutputStream out, int length) throws IOException {
        out.writeByte(OK);
        out.writeInt(length);
    }

    /** A lookup's answer: found (1) or not (0) for each key in order. */
    static void writeFound(DataOutputStream out, boolean[] found) throws IOException {
        out.writeByte(OK);
        out.writeInt(found.length);
        for (boolean f : found)
            out.writeByte(f ? 1 : 0);
    }

    static void writeFailure(DataOutputStream out, KvGridException e) throws IOException {
        out.writeByte(FAILED);
        out.writeUTF(e.code().name());
        out.writeUTF(e.argument() == null ? "" : e.argument());
        out.writeUTF(clip(e.detail()));
    }

    static void writeRefusal(DataOutputStream out, String why) throws IOException {
        out.writeByte(REFUSED);
        out.writeUTF(clip(why));
    }

    /**
     * One key's answer: the payload, or its typed error. {@code maxBytes} bounds the length a server may announce;
     * a refusal ends the connection (BadFrame carrying the server's reason).
     */
    static Object readAnswer(DataInputStream in, int maxBytes) throws IOException {
        int status = in.readUnsignedByte();
        if (status == OK) {
            int len = in.readInt();
            if (len < 0 || len > maxBytes)
                throw new BadFrame("the server announced a block of " + len + " bytes (at most " + maxBytes + ")");
            byte[] b = new byte[len];
            in.readFully(b);
            return b;
        }
        return readError(status, in);
    }

    /**
     * A lookup's answer for {@code keys} keys: boolean[] in their order, or the lookup's typed error. BadFrame when the
     * server answers another number of keys (or refuses).
     */
    static Object readFound(DataInputStream in, int keys) throws IOException {
        int status = in.readUnsignedByte();
        if (status != OK)
            return readError(status, in);
        int n = in.readInt();
        if (n != keys)
            throw new BadFrame("the server answered " + n + " keys of a lookup of " + keys);
        boolean[] found = new boolean[n];
        for (int i = 0; i < n; i++)
            found[i] = in.readUnsignedByte() == 1;
        return found;
    }

    private static KvGridException readError(int status, DataInputStream in) throws IOException {
        if (status == FAILED) {
            String code = in.readUTF();
            String arg = in.readUTF();
            String msg = in.readUTF();
            ErrorCode c;
            try {
                c = ErrorCode.valueOf(code);
            } catch (IllegalArgumentException e) {
                c = ErrorCode.INTERNAL;
            }
            return new KvGridException(c, arg.isEmpty() ? null : arg, msg);
        }
        if (status == REFUSED)
            throw new BadFrame("the node refused the request: " + in.readUTF());
        throw new BadFrame("unknown answer status " + status);
    }

    private static String clip(String s) {
        String m = String.valueOf(s);
        return m.length() <= MAX_MESSAGE ? m : m.substring(0, MAX_MESSAGE) + "...";
    }
}
