package io.kvgrid.grid;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.cache.processor.MutableEntry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** The install processor on its own, on an entry of its own: write-once, upsert, and a second run of the same install. */
@Timeout(10)
class MetaOpsInstallTest {
    /** A cache entry held in a field, as Ignite hands one to a processor. */
    private static final class Entry implements MutableEntry<String, BlockRecord> {
        BlockRecord value;

        @Override public boolean exists() { return value != null; }
        @Override public void remove() { value = null; }
        @Override public void setValue(BlockRecord v) { value = v; }
        @Override public String getKey() { return "k"; }
        @Override public BlockRecord getValue() { return value; }
        @Override public <T> T unwrap(Class<T> c) { throw new UnsupportedOperationException(); }
    }

    private static BlockRecord record(String dataKey) {
        BlockRecord r = new BlockRecord();
        r.state = BlockRecord.COMPLETE;
        r.dataKey = dataKey;
        r.size = 10;
        return r;
    }

    @Test
    void aWriteOnceInstallKeepsAnotherWritersRecordAndReportsIt() {
        Entry e = new Entry();
        BlockRecord first = record("d1");
        MetaOps.Result r = new MetaOps.Install(first, false, -1).process(e);
        assertEquals(MetaOps.Outcome.DONE, r.outcome);
        assertNull(r.rec);
        MetaOps.Result second = new MetaOps.Install(record("d2"), false, -1).process(e);
        assertEquals(MetaOps.Outcome.EXISTS, second.outcome);
        assertSame(first, second.rec);
        assertSame(first, e.value, "the stored record stands");
    }

    @Test
    void anUpsertReplacesAnotherWritersRecordAndHandsItBackToBeFreed() {
        Entry e = new Entry();
        BlockRecord first = record("d1");
        new MetaOps.Install(first, false, -1).process(e);
        BlockRecord next = record("d2");
        MetaOps.Result r = new MetaOps.Install(next, true, -1).process(e);
        assertEquals(MetaOps.Outcome.DONE, r.outcome);
        assertSame(first, r.rec, "the replaced record, whose payload the writer frees");
        assertSame(next, e.value);
    }

    @Test
    void theSameInstallRunAgainFindsItsOwnRecordAndReplacesNothing() {
        // Ignite retries an atomic update after a remap; the first run may have landed. Handing our own record back
        // as EXISTS or as replaced would make the writer free the payload that record points at.
        for (boolean replace : new boolean[] {false, true}) {
            Entry e = new Entry();
            MetaOps.Install install = new MetaOps.Install(record("d1"), replace, -1);
            install.process(e);
            BlockRecord stored = e.value;
            MetaOps.Result again = install.process(e);
            assertEquals(MetaOps.Outcome.DONE, again.outcome, "replace=" + replace);
            assertNull(again.rec, "nothing replaced, replace=" + replace);
            assertSame(stored, e.value, "replace=" + replace);
        }
    }
}
