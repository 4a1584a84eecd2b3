package io.kvgrid.grid;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * One node's keys of a block channel request, cut into the requests the node takes: at most
 * {@link BlockChannelWire#MAX_KEYS} keys and, for a PUT, at most a budget's worth of payload bytes each (a single larger
 * block goes alone, for the node to take or refuse). Before, a node's keys over either bound went the usual way whole:
 * a batch put of more bytes than the node's budget was refused, and written through Ignite instead.
 */
final class RequestPieces {
    private final List<List<String>> pieces = new ArrayList<>();
    private int current;

    /**
     * {@code keys} (at least one) in order, cut where the next key would pass {@code maxBytes} of {@code bytes}, or
     * MAX_KEYS keys.
     */
    RequestPieces(List<String> keys, ToLongFunction<String> bytes, long maxBytes) {
        if (keys.isEmpty())
            throw new IllegalArgumentException("a request names at least one key");
        List<String> piece = new ArrayList<>();
        long held = 0;
        for (String k : keys) {
            long b = bytes.applyAsLong(k);
            if (!piece.isEmpty() && (piece.size() == BlockChannelWire.MAX_KEYS || held + b > maxBytes)) {
                pieces.add(piece);
                piece = new ArrayList<>();
                held = 0;
            }
            piece.add(k);
            held += b;
        }
        if (!piece.isEmpty())
            pieces.add(piece);
    }

    /** The keys of the piece being sent. */
    List<String> current() {
        return pieces.get(current);
    }

    /** Moves on to the next piece; false (staying) when this was the last. */
    boolean next() {
        if (current + 1 >= pieces.size())
            return false;
        current++;
        return true;
    }

    /** Every key, in order. */
    List<String> all() {
        return from(0);
    }

    /** The keys of the current piece and the pieces after it. */
    List<String> fromCurrent() {
        return from(current);
    }

    /** The keys of the pieces after the current one. */
    List<String> after() {
        return from(current + 1);
    }

    private List<String> from(int first) {
        List<String> out = new ArrayList<>();
        for (int i = first; i < pieces.size(); i++)
            out.addAll(pieces.get(i));
        return out;
    }
}
