package io.kvgrid.grid;

import io.kvgrid.BlockStore;
import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Argument checks shared by the stores: each failure names the argument and happens before anything changes. */
public final class Args {
    private Args() {
    }

    public static KvGridException invalid(String arg, String msg) {
        return new KvGridException(ErrorCode.INVALID_ARGUMENT, arg, msg);
    }

    public static void checkKey(String key, String arg) {
        if (key == null)
            throw new KvGridException(ErrorCode.INVALID_KEY, arg, "must not be null");
        if (key.isEmpty())
            throw new KvGridException(ErrorCode.INVALID_KEY, arg, "must not be empty");
        String bad = badCharacter(key);
        if (bad != null)
            throw new KvGridException(ErrorCode.INVALID_KEY, arg, bad);
        if (key.length() * 3 > BlockStore.MAX_KEY_BYTES) {
            int bytes = key.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > BlockStore.MAX_KEY_BYTES)
                throw new KvGridException(ErrorCode.INVALID_KEY, arg,
                    "is " + bytes + " UTF-8 bytes, longer than the maximum " + BlockStore.MAX_KEY_BYTES);
        }
    }

    /**
     * Why {@code key} is not valid text for a key, or null: keys are valid UTF-16 (no lone surrogate) without control
     * characters (C0, DEL, C1) or the noncharacters U+FFFE/U+FFFF (U+FFFF separates a key from the rest of kvgrid's
     * internal keys). So every key reads the same in every thin client's language.
     */
    static String badCharacter(String key) {
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (Character.isISOControl(c))
                return String.format("must not contain control character U+%04X (at index %d)", (int) c, i);
            if (c == '\uFFFE' || c == '\uFFFF')
                return String.format("must not contain noncharacter U+%04X (at index %d)", (int) c, i);
            if (Character.isHighSurrogate(c) && i + 1 < key.length() && Character.isLowSurrogate(key.charAt(i + 1))) {
                i++;
                continue;
            }
            if (Character.isSurrogate(c))
                return String.format("is not valid UTF-16: lone surrogate U+%04X at index %d", (int) c, i);
        }
        return null;
    }

    /** Checks a key list; {@code unique} rejects duplicates (writes). */
    public static void checkKeys(List<String> keys, String arg, boolean unique) {
        if (keys == null)
            throw invalid(arg, "must not be null");
        for (int i = 0; i < keys.size(); i++)
            checkKey(keys.get(i), arg + "[" + i + "]");
        if (unique && new HashSet<>(keys).size() != keys.size())
            throw invalid(arg, "must not contain the same key twice");
    }

    public static <T> T nonNull(T v, String arg) {
        if (v == null)
            throw invalid(arg, "must not be null");
        return v;
    }

    public static void sameLength(int expected, int actual, String arg) {
        if (expected != actual)
            throw invalid(arg, "has " + actual + " entries, expected " + expected + " (one per key)");
    }

    public static void checkBuffers(List<ByteBuffer> bufs, String arg, boolean writable) {
        nonNull(bufs, arg);
        for (int i = 0; i < bufs.size(); i++) {
            ByteBuffer b = bufs.get(i);
            if (b == null)
                throw invalid(arg + "[" + i + "]", "must not be null");
            if (writable && b.isReadOnly())
                throw invalid(arg + "[" + i + "]", "is read-only");
        }
    }

    /** The arguments of {@code load}/{@code dump} for a store of {@code shardsPerBlock} shards a block. */
    public static void checkShardArgs(List<String> ids, int[] shardIndex, List<ByteBuffer> buffers, boolean writable,
                                      int shardsPerBlock) {
        checkKeys(ids, "ids", false);
        nonNull(shardIndex, "shardIndex");
        sameLength(ids.size(), shardIndex.length, "shardIndex");
        checkBuffers(buffers, "buffers", writable);
        sameLength(ids.size(), buffers.size(), "buffers");
        checkShardIndexes(shardIndex, shardsPerBlock);
    }

    /** Every shard index within {@code 0 .. shardsPerBlock - 1}. */
    public static void checkShardIndexes(int[] shardIndex, int shardsPerBlock) {
        for (int i = 0; i < shardIndex.length; i++)
            if (shardIndex[i] < 0 || shardIndex[i] >= shardsPerBlock)
                throw invalid("shardIndex[" + i + "]", shardIndex[i] + " is outside 0.." + (shardsPerBlock - 1));
    }

    /** What {@code dump} checks beyond {@link #checkShardArgs}: no block twice, block sizes, no empty shard. */
    public static void checkDumpArgs(List<String> ids, List<ByteBuffer> buffers, int shardsPerBlock, int maxBlockBytes) {
        int n = shardsPerBlock;
        if (n == 1 && new HashSet<>(ids).size() != ids.size())
            throw invalid("ids", "must not contain the same block twice");
        for (int i = 0; i < ids.size(); i++) {
            long block = (long) buffers.get(i).remaining() * n;
            if (block > maxBlockBytes)
                throw invalid("buffers[" + i + "]", "block of " + block + " bytes (" + n + " shards of "
                    + buffers.get(i).remaining() + ") exceeds maxBlockBytes " + maxBlockBytes);
            if (n > 1 && buffers.get(i).remaining() == 0)
                throw invalid("buffers[" + i + "]", "a shard must not be empty");
        }
    }

    public static Pattern regex(String regex) {
        if (regex == null)
            throw invalid("regex", "must not be null");
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "regex", e.getDescription(), e);
        }
    }
}
