package io.kvgrid.grid;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(60)
class WireReplyTest {
    @Test
    void payloadsTravelAsTopLevelArraysAndJoinBackInOrderWithTheirErrors() {
        WireReply r = new WireReply().perKey(3);
        byte[] a = {1, 2, 3};
        byte[] c = new byte[1 << 20];
        Arrays.fill(c, (byte) 7);
        r.payloads = new ArrayList<>(Arrays.asList(a, null, c));
        r.fail(1, new KvGridException(ErrorCode.NOT_FOUND, "key", "no block b"));

        Object[] wire = r.payloadsApart();
        assertEquals(4, wire.length);
        assertNull(((WireReply) wire[0]).payloads, "the reply object itself carries no payload bytes");
        assertSame(a, wire[1]);
        assertNull(wire[2]);
        assertSame(c, wire[3]);

        WireReply back = WireReply.joined(wire);
        assertEquals(3, back.payloads.size());
        assertArrayEquals(a, back.payloads.get(0));
        assertNull(back.payloads.get(1));
        assertArrayEquals(c, back.payloads.get(2));
        assertNull(back.error(0));
        assertEquals(ErrorCode.NOT_FOUND, back.error(1).code());
    }

    @Test
    void aFailedCallHasNoPayloadListOnEitherSide() {
        Object[] wire = WireReply.failed(new KvGridException(ErrorCode.NO_SPACE, null, "full")).payloadsApart();
        assertEquals(1, wire.length);
        WireReply back = WireReply.joined(wire);
        assertNull(back.payloads);
        assertEquals(ErrorCode.NO_SPACE, back.callError().code());
    }

    @Test
    void anEmptyBatchJoinsToAnEmptyList() {
        WireReply r = new WireReply().perKey(0);
        r.payloads = new ArrayList<>();
        WireReply back = WireReply.joined(r.payloadsApart());
        assertEquals(List.of(), back.payloads);
    }
}
