package io.kvgrid.grid;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.atomic.AtomicInteger;

import static io.kvgrid.grid.ChainFixture.block;
import static io.kvgrid.grid.ChainFixture.crc;
import static org.junit.jupiter.api.Assertions.*;

/** Checksum verification on the way in and out of a store. */
@Timeout(60)
class VerifyingStoreTest {
    private final ChainFixture.Tier t = ChainFixture.Tier.of(1 << 20);
    private final AtomicInteger mismatches = new AtomicInteger();
    private final NodeStore s = new VerifyingStore(t.plugged(), mismatches::incrementAndGet);

    @Test
    void anIntactCopyReadsBackUnchanged() {
        byte[] b = block("a", 4096);
        assertTrue(s.put("a", b, crc(b)));
        assertArrayEquals(b, s.get("a"));
        assertEquals(0, mismatches.get());
    }

    @Test
    void aPayloadThatDoesNotMatchItsChecksumIsRefusedAndStoredNowhere() {
        byte[] b = block("a", 100);
        KvGridException e = assertThrows(KvGridException.class, () -> s.put("a", b, crc(b) + 1));
        assertEquals(ErrorCode.CHECKSUM_MISMATCH, e.code());
        assertFalse(t.tier().holds("a"));
    }

    @Test
    void aDamagedCopyIsDroppedAndReportedNeverReturned() {
        byte[] b = block("a", 100);
        s.put("a", b, crc(b));
        t.tier().damage("a");
        KvGridException e = assertThrows(KvGridException.class, () -> s.get("a"));
        assertEquals(ErrorCode.CHECKSUM_MISMATCH, e.code());
        assertEquals(1, mismatches.get());
        assertFalse(t.tier().holds("a"), "the damaged copy is gone from the tier");
        assertNull(s.get("a"));
    }
}
