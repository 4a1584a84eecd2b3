package io.kvgrid.grid;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where a node's keys are cut into requests: at MAX_KEYS keys and at the byte bound, a larger block alone. */
@Timeout(30)
class RequestPiecesTest {
    private static final int MAX = BlockChannelWire.MAX_KEYS;

    @Test
    void exactlyMaxKeysIsOneRequestAndOneMoreKeyStartsASecond() {
        assertEquals(List.of(MAX), sizes(new RequestPieces(keys(MAX), k -> 0, Long.MAX_VALUE)));
        assertEquals(List.of(MAX, 1), sizes(new RequestPieces(keys(MAX + 1), k -> 0, Long.MAX_VALUE)));
    }

    @Test
    void blocksFillARequestUpToTheByteBoundAndABlockOverItGoesAlone() {
        Map<String, Long> bytes = Map.of("k/0", 40L, "k/1", 60L, "k/2", 100L, "k/3", 150L, "k/4", 1L);
        RequestPieces p = new RequestPieces(keys(5), bytes::get, 100);
        // 40 + 60 is the bound exactly; 100 alone; 150 alone (over the bound); 1.
        assertEquals(List.of(List.of("k/0", "k/1"), List.of("k/2"), List.of("k/3"), List.of("k/4")), pieces(p));
    }

    @Test
    void theKeysAfterAndFromTheCurrentPieceAreThoseNotYetSent() {
        RequestPieces p = new RequestPieces(keys(5), k -> 1, 2);
        assertTrue(p.next());
        List<String> from = p.fromCurrent();
        List<String> after = p.after();
        List<String> all = p.all();
        assertEquals(List.of("k/2", "k/3", "k/4"), from);
        assertEquals(List.of("k/4"), after);
        assertEquals(keys(5), all);
        assertTrue(p.next());
        assertFalse(p.next(), "no piece after the last");
        assertEquals(List.of("k/4"), p.current(), "the last stays current");
    }

    @Test
    void aRequestWithoutKeysIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new RequestPieces(List.of(), k -> 0, 1));
    }

    private static List<String> keys(int n) {
        List<String> keys = new ArrayList<>(n);
        for (int i = 0; i < n; i++)
            keys.add("k/" + i);
        return keys;
    }

    private static List<List<String>> pieces(RequestPieces p) {
        List<List<String>> out = new ArrayList<>();
        do {
            out.add(p.current());
        } while (p.next());
        return out;
    }

    private static List<Integer> sizes(RequestPieces p) {
        List<Integer> out = new ArrayList<>();
        for (List<String> piece : pieces(p))
            out.add(piece.size());
        return out;
    }
}
