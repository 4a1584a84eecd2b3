package io.kvgrid.grid;

import org.apache.ignite.cache.affinity.rendezvous.RendezvousAffinityFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Data keys: where they are placed, and which node wrote them (what the orphan sweep reads back). */
@Timeout(600)
class KvGridAffinityTest {
    private final KvGridAffinity affinity = new KvGridAffinity(1024);
    private final RendezvousAffinityFunction plain = new RendezvousAffinityFunction(false, 1024);

    @Test
    void aDataKeyIsPlacedInItsBlockKeysPartitionAndAPlainKeyAsIgniteWouldPlaceIt() {
        String key = "model/7.layer.3";
        String dataKey = KvGridAffinity.dataKey(key, KvGridAffinity.versionPrefix(12) + "5");
        assertEquals(plain.partition(key), affinity.partition(key));
        assertEquals(affinity.partition(key), affinity.partition(dataKey));
    }

    @Test
    void aDisplacedDataKeyGoesToTheNamedPartition() {
        String dataKey = KvGridAffinity.dataKey("k", KvGridAffinity.versionPrefix(3) + "1", 77);
        assertEquals(77, affinity.partition(dataKey));
        assertTrue(KvGridAffinity.displaced(dataKey));
        assertEquals(3, KvGridAffinity.writerOrder(dataKey));
        assertEquals("k", KvGridAffinity.blockKey(dataKey));
    }

    @Test
    void theWriterOfADataKeyIsReadBackWhateverDotsTheBlockKeyHas() {
        for (long order : new long[] {1, 35, 36, 1_000_003}) {
            String dataKey = KvGridAffinity.dataKey("a.b.c", KvGridAffinity.versionPrefix(order) + "zz");
            assertEquals(order, KvGridAffinity.writerOrder(dataKey), dataKey);
            assertEquals("a.b.c", KvGridAffinity.blockKey(dataKey));
        }
    }

    @Test
    void keysThatAreNotDataKeysOfAWriteHaveNoWriter() {
        assertEquals(-1, KvGridAffinity.writerOrder("plain.key"));
        assertEquals(-1, KvGridAffinity.writerOrder("k\uFFFFs3"));       // a staged shard
        assertEquals(-1, KvGridAffinity.writerOrder("k\uFFFFbits"));     // a shard bit set
        assertEquals(-1, KvGridAffinity.writerOrder("k\uFFFFnot-a-number.1"));
    }
}
