package io.kvgrid.grid;

import io.kvgrid.BlockStore;
import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridException;
import io.kvgrid.NodeStats;
import io.kvgrid.PutOptions;
import io.kvgrid.testing.Payload;
import io.kvgrid.testing.TestCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;
import static org.awaitility.Awaitility.await;

/** Watermark eviction order, pins and leases on one node, with an injected clock: nothing here sleeps. */
@Timeout(600)
class EvictionPolicyTest {
    private static final int SIZE = 4096;
    private static final AtomicLong clock = new AtomicLong(1_000_000);
    private static final List<String> evicted = Collections.synchronizedList(new ArrayList<>());
    private static TestCluster cluster;
    private static BlockStore store;
    private static SpaceGovernor governor;
    /** The listener stops at this key (a pass stuck in the middle of its batch) until {@link #release} opens. */
    private static volatile String holdAt;
    private static volatile CountDownLatch holding = new CountDownLatch(1);
    private static volatile CountDownLatch release = new CountDownLatch(0);

    @BeforeAll
    static void start() {
        KvGridConfiguration cfg = TestCluster.smallConfig();
        cfg.setTicker(clock::get);
        cfg.setDefaultReplicas(1);
        cfg.setEvictionListener((key, meta, payload) -> {
            assertEquals(meta.size(), payload.remaining(), "listener sees the whole payload of " + key);
            evicted.add(key);
            if (key.equals(holdAt)) {
                holding.countDown();
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        cluster = TestCluster.start(1, cfg);
        store = cluster.store(0);
        governor = KvGridRuntime.governor(cluster.node(0).ignite());
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @BeforeEach
    void empty() {
        clock.addAndGet(60_000); // every earlier lease has run out
        store.removeAll(true);
        evicted.clear();
    }

    /** Puts {@code n} blocks named prefix-i, block i last accessed at base + i. */
    private static List<String> putAged(String prefix, int n, PutOptions opts) {
        List<String> keys = new ArrayList<>();
        long base = clock.get();
        for (int i = 0; i < n; i++) {
            clock.set(base + i);
            String k = prefix + "-" + i;
            assertTrue(store.put(k, Payload.of(k, SIZE), opts).stored());
            keys.add(k);
        }
        clock.addAndGet(1_000);
        return keys;
    }

    @Test
    void aPassOverFourHundredEligibleBlocksEvictsExactlyTheTwentyOldest() {
        List<String> keys = putAged("age", 400, PutOptions.defaults());
        governor.evict(0, clock.get());
        assertEquals(keys.subList(0, 20), evicted, "the 20 least recently accessed, oldest first");
        for (int i = 0; i < 400; i++) {
            String k = keys.get(i);
            if (i < 20)
                assertFalse(store.exists(k), k + " was evicted");
            else
                Payload.assertPayload(k, SIZE, store.get(k));
        }
    }

    @Test
    void aSecondPassEvictsTheNextOldestBlocksWhileTheFirstIsStillInTheMiddleOfItsBatch() throws Exception {
        List<String> keys = putAged("beside", 400, PutOptions.defaults());
        holding = new CountDownLatch(1);
        release = new CountDownLatch(1);
        holdAt = keys.get(0);
        long now = clock.get();
        CompletableFuture<Long> first = CompletableFuture.supplyAsync(() -> governor.evict(0, now));
        try {
            assertTrue(holding.await(30, TimeUnit.SECONDS), "the first pass reached its listener");
            // The first pass holds the 20 oldest (its batch) and waits in the listener; a second pass neither waits
            // for it nor takes its blocks: it evicts its own 5% of the 380 others, the next 19 oldest.
            governor.evict(0, now);
            assertEquals(keys.subList(20, 39), evicted.subList(1, evicted.size()), "the next 19 oldest, in order");
        } finally {
            holdAt = null;
            release.countDown();
        }
        first.get(30, TimeUnit.SECONDS);
        assertEquals(39, evicted.size(), "each of the 39 oldest evicted once: " + evicted);
        for (int i = 0; i < 400; i++) {
            String k = keys.get(i);
            if (i < 39)
                assertFalse(store.exists(k), k + " was evicted");
            else
                Payload.assertPayload(k, SIZE, store.get(k));
        }
    }

    @Test
    void aWriterTakingFromAnOlderQueueLeavesTheBlocksReadSinceTheScanAndEvictsTheNextOldest() {
        List<String> keys = putAged("queued", 400, PutOptions.defaults());
        governor.evict(0, clock.get()); // scans: the 20 oldest go, the queue holds the other 380
        assertEquals(keys.subList(0, 20), evicted);
        clock.addAndGet(5_000);
        store.prefetch(keys.subList(20, 30)); // read without a lease, in the background: only their access time moves
        var meta = KvGridRuntime.of(cluster.node(0).ignite()).store().metaCache();
        await().atMost(Duration.ofSeconds(10))
            .until(() -> keys.subList(20, 30).stream().allMatch(k -> meta.get(k).lastAccess == clock.get()));
        evicted.clear();
        long tenBlocks = 10 * RegionPages.reservedPages(SIZE, governor.pageSize());
        long scans = governor.evictionCandidates().scans();
        assertEquals(tenBlocks, governor.evictQueued(tenBlocks, clock.get()));
        assertEquals(scans, governor.evictionCandidates().scans(), "the writer took from the queue, scanning nothing");
        assertEquals(keys.subList(30, 40), evicted, "the queue's next ten not read since the scan, oldest first");
        for (String k : keys.subList(20, 30))
            Payload.assertPayload(k, SIZE, store.get(k));
    }

    @Test
    void everyUnpinnedBlockGoesBeforeAnySoftPinnedOneAndSoftPinnedGoOldestFirst() {
        // Soft-pinned blocks are the older ones, so plain age order would take them first.
        List<String> pinned = putAged("soft", 10, PutOptions.builder().softPin(Duration.ofHours(1)).build());
        List<String> unpinned = putAged("plain", 10, PutOptions.defaults());
        governor.evict(Long.MAX_VALUE, clock.get());
        List<String> expected = new ArrayList<>(unpinned);
        expected.addAll(pinned);
        assertEquals(expected, evicted);
    }

    @Test
    void softPinnedBlocksStayWhenConfigurationForbidsEvictingThem() {
        KvGridConfiguration cfg = TestCluster.smallConfig();
        cfg.setEvictSoftPinned(false);
        try (TestCluster c = TestCluster.start(1, cfg)) {
            BlockStore s = c.store(0);
            s.put("sp", Payload.of("sp", SIZE), PutOptions.builder().softPin().build());
            s.put("up", Payload.of("up", SIZE));
            KvGridRuntime.governor(c.node(0).ignite()).evict(Long.MAX_VALUE, System.currentTimeMillis() + 60_000);
            Payload.assertPayload("sp", SIZE, s.get("sp"));
            assertFalse(s.exists("up"));
        }
    }

    @Test
    void hardPinnedBlocksSurvivePressureAndRemoveStillRemovesThem() {
        putAged("hard", 5, PutOptions.builder().hardPin().build());
        putAged("loose", 5, PutOptions.defaults());
        governor.evict(Long.MAX_VALUE, clock.get());
        assertEquals(5, evicted.size());
        assertTrue(evicted.stream().allMatch(k -> k.startsWith("loose")));
        for (int i = 0; i < 5; i++)
            Payload.assertPayload("hard-" + i, SIZE, store.get("hard-" + i));
        clock.addAndGet(60_000);
        store.remove("hard-0");
        assertFalse(store.exists("hard-0"));
    }

    @Test
    void leasedBlocksSurvivePressureAndRemoveUntilTheLeaseRunsOut() {
        putAged("lease", 3, PutOptions.defaults());
        Payload.assertPayload("lease-1", SIZE, store.get("lease-1")); // a read grants a 10 s lease
        governor.evict(Long.MAX_VALUE, clock.get());
        assertEquals(List.of("lease-0", "lease-2"), evicted);
        KvGridException e = assertThrows(KvGridException.class, () -> store.remove("lease-1"));
        assertEquals(ErrorCode.HAS_LEASE, e.code());
        assertEquals(1, store.localStats().leased());

        clock.addAndGet(10_001);
        assertEquals(0, store.localStats().leased());
        governor.evict(Long.MAX_VALUE, clock.get());
        assertEquals(List.of("lease-0", "lease-2", "lease-1"), evicted);
        assertEquals(ErrorCode.NOT_FOUND, assertThrows(KvGridException.class, () -> store.remove("lease-1")).code());
    }

    @Test
    void aLeaseIsExtendedToTheLaterOfItsEndAndNowPlusTtl() {
        putAged("ext", 1, PutOptions.defaults());
        long t0 = clock.get();
        store.exists("ext-0");
        assertEquals(t0 + 10_000, store.query("ext-0").orElseThrow().leaseUntilMillis());
        clock.addAndGet(4_000);
        store.lookup(List.of("ext-0"));
        assertEquals(t0 + 14_000, store.query("ext-0").orElseThrow().leaseUntilMillis());
    }

    @Test
    void aReadRenewsTheLeaseBeforeReturningOnlyWhenLessThanHalfATtlIsLeft() throws InterruptedException {
        putAged("renew", 1, PutOptions.defaults());
        long t0 = clock.get();
        store.get("renew-0"); // not leased yet: renewed before the read returns
        assertEquals(t0 + 10_000, leaseUntil("renew-0"));
        clock.addAndGet(3_000); // 7 s left: the read returns at once, the renewal lands in the background
        Payload.assertPayload("renew-0", SIZE, store.get("renew-0"));
        await("the background renewal").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
            .untilAsserted(() -> assertEquals(t0 + 13_000, leaseUntil("renew-0")));
        clock.addAndGet(9_000); // 4 s left: renewed before the read returns
        store.get("renew-0");
        assertEquals(t0 + 22_000, leaseUntil("renew-0"));
    }

    /** The stored record's lease, read without touching it (query would renew it). */
    private static long leaseUntil(String key) {
        return cluster.node(0).ignite().<String, BlockRecord>cache(GridCaches.metaCache(TestCluster.smallConfig()))
            .get(key).leaseUntil;
    }

    @Test
    void removeAllSkipsLeasedBlocksUnlessForcedAndReportsBoth() {
        putAged("ra", 4, PutOptions.defaults());
        store.get("ra-3");
        var r = store.removeByRegex("ra-.*", false);
        assertEquals(3, r.removed());
        assertEquals(1, r.skipped());
        Payload.assertPayload("ra-3", SIZE, store.get("ra-3"));
        var forced = store.removeAll(true);
        assertEquals(1, forced.removed());
        assertFalse(store.exists("ra-3"));
    }

    @Test
    void statsCountBlocksBytesEvictionsLeasesAndPins() {
        NodeStats before = store.localStats();
        putAged("st", 6, PutOptions.defaults());
        store.put("st-pin", Payload.of("st-pin", SIZE), PutOptions.builder().hardPin().build());
        store.get("st-5");
        NodeStats s = store.localStats();
        assertEquals(7, s.blocks());
        assertEquals(1, s.leased());
        assertEquals(1, s.pinned());
        assertTrue(s.bytesUsed() > 7L * SIZE && s.bytesUsed() < s.capacityBytes(), s.toString());
        assertTrue(s.capacityBytes() > (56L << 20) && s.capacityBytes() < (64L << 20), "usable share of 64 MiB");
        governor.evict(0, clock.get()); // ratio 0.05 of 6 eligible -> 1
        NodeStats after = store.localStats();
        assertEquals(before.evictions() + 1, after.evictions());
        assertEquals(before.evictedBytes() + SIZE, after.evictedBytes());
        assertEquals(6, after.blocks());
    }
}
