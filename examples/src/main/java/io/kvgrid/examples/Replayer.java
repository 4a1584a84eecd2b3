package io.kvgrid.examples;

import io.kvgrid.BlockMeta;
import io.kvgrid.BlockStore;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridException;
import io.kvgrid.KvGridNode;
import io.kvgrid.NodeStats;
import io.kvgrid.ErrorCode;
import io.kvgrid.Tier;
import io.kvgrid.gpu.GpuTierFactory;
import io.kvgrid.ssd.SsdTierFactory;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * Replays a trace against an embedded kvgrid cluster the way an inference engine's connector uses it: per request,
 * {@code lookupOnPrefixLength} of its block ids, {@code load} of the hit prefix (every byte checked), {@code dump} of
 * every block after it. Time inside kvgrid (leases, access order) follows the trace timestamps through the Ticker.
 */
final class Replayer {
    /** Most payload bytes one load or dump call carries; longer requests are split into several calls. */
    private static final long MAX_CALL_BYTES = 64L << 20;
    /** Keys are "blk-" plus a hex id; the grid adds a unique write suffix to the data key. */
    private static final int KEY_BYTES = 32;
    private static final int PARTITIONS = 64;

    private final ReplayOptions opts;
    private final List<TraceRequest> requests;
    private final int blockBytes;
    private final int maxPerCall;
    private final List<ByteBuffer> loadBufs = new ArrayList<>();
    private final List<ByteBuffer> dumpBufs = new ArrayList<>();
    private final Latencies lookupLat = new Latencies();
    private final Latencies loadLat = new Latencies();
    private final Latencies dumpLat = new Latencies();
    /** Each call's time over its blocks: a call's time grows with its blocks, its time per block should not. */
    private final Latencies loadPerBlock = new Latencies();
    private final Latencies dumpPerBlock = new Latencies();
    private final Map<String, Long> tierHits = new TreeMap<>();
    private long blocks, hitBlocks, inputTokens, hitTokens, bytesLoaded, bytesDumped, verifyFailures, loadErrors;
    /** Load calls that failed: the first few are printed with their error. */
    private int failedLoads;
    private long dumpedNew, dumpRejected;
    private boolean evictionSeen;

    Replayer(ReplayOptions opts, List<TraceRequest> requests) {
        this.opts = opts;
        this.requests = requests;
        this.blockBytes = opts.blockBytes();
        this.maxPerCall = (int) Math.max(1, MAX_CALL_BYTES / blockBytes);
    }

    /**
     * Share of a node's evictable blocks one eviction pass removes in a bounded replay. kvgrid's default (0.05) frees
     * 5% at a time, so a node holds 95-100% of its capacity; a finer step keeps it near 100%, as strict LRU does, for
     * the price of more passes (each sorts the node's evictable blocks). Users' configurations keep the default.
     */
    static final double BOUNDED_EVICTION_RATIO = 0.02;

    /** The kvgrid settings of the replay cluster: regions sized from the capacity (or the trace), trace time. */
    KvGridConfiguration configuration(AtomicLong clock) {
        KvGridConfiguration cfg = new KvGridConfiguration();
        cfg.setTicker(clock::get);
        cfg.setPartitions(PARTITIONS);
        cfg.setMaxBlockBytes(Math.max(cfg.getMaxBlockBytes(), blockBytes));
        int page = MemorySizing.bestPageSize(blockBytes, KEY_BYTES);
        cfg.setPageSizeBytes(page);
        int copies = Math.min(cfg.getDefaultReplicas(), opts.nodes());
        long unique = uniqueBlocks(requests);
        if (opts.bounded()) {
            MemorySizing.Bounded b = MemorySizing.bounded(opts.capacityBlocks(), blockBytes, KEY_BYTES, page, copies,
                opts.nodes(), PARTITIONS, cfg.getHighWatermark(), Math.min(maxPerCall, meanBlocksPerRequest()));
            cfg.setDataRegionBytes(b.regionBytes());
            cfg.setHighWatermark(b.highWatermark());
            cfg.setEvictionRatio(BOUNDED_EVICTION_RATIO);
            // Faulted in at start, as `kvgrid node` does: the replay measures a node whose memory is full, not the
            // kernel handing it fresh pages while the region first fills (perf: 15-20% of the machine in clear_page).
            cfg.setPreTouchRegion(true);
        } else {
            // Unbounded: room for every block of the trace, well below the watermark (regions grow lazily).
            cfg.setDataRegionBytes(MemorySizing.dataRegionBytes(unique, blockBytes, KEY_BYTES, page, copies,
                opts.nodes(), PARTITIONS, cfg.getHighWatermark() / (opts.nodes() == 1 ? 1.3 : 1.6)));
        }
        cfg.setMetaRegionBytes(MemorySizing.metaRegionBytes(unique, Math.min(cfg.getMaxReplicas(), opts.nodes()),
            opts.nodes()));
        // The chain, fastest first: a GPU tier on top when asked for, the grid's memory, an SSD tier below.
        List<Object> tiers = new ArrayList<>();
        if (opts.gpu())
            tiers.add(new GpuTierFactory().setDevice(opts.gpuDevice()).setCapacityBytes(opts.gpuBytes()));
        tiers.add(KvGridConfiguration.MEMORY);
        if (opts.ssd())
            tiers.add(new SsdTierFactory().setDirectory(opts.ssdDir().toString())
                .setCapacityBytes(opts.ssdBytes())
                // The index holds as many blocks as the tier can: each takes whole 4 KiB units of the data file.
                .setMaxBlocks(Math.max(256, opts.ssdBytes() / ((blockBytes + 4095L) / 4096 * 4096))));
        cfg.setTiers(tiers);
        return cfg;
    }

    private double meanBlocksPerRequest() {
        long n = 0;
        for (TraceRequest r : requests)
            n += r.hashIds().length;
        return requests.isEmpty() ? 0 : (double) n / requests.size();
    }

    static long uniqueBlocks(List<TraceRequest> requests) {
        Set<Long> ids = new HashSet<>();
        for (TraceRequest r : requests)
            for (long id : r.hashIds())
                ids.add(id);
        return ids.size();
    }

    /** Starts the cluster, replays every request, stops the cluster. {@code progress} gets requests done. */
    ReplaySummary run(LongConsumer progress) {
        AtomicLong clock = new AtomicLong(System.currentTimeMillis());
        KvGridConfiguration cfg = configuration(clock);
        try (LocalCluster cluster = LocalCluster.kvgrid(opts.nodes(), cfg)) {
            BlockStore store = cluster.node(0).store();
            long start = clock.get();
            long t0 = System.nanoTime();
            for (int i = 0; i < requests.size(); i++) {
                TraceRequest r = requests.get(i);
                clock.set(Math.max(clock.get(), start + r.timestampMs()));
                replay(store, r);
                guardAgainstOverflow(cluster);
                if (progress != null)
                    progress.accept(i + 1);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            ReplaySummary s = summary(seconds, cfg);
            for (KvGridNode n : cluster.kvNodes()) {
                NodeStats st = n.store().localStats();
                s.evictions += st.evictions();
                s.memoryBytesUsed += st.bytesUsed();
                s.memoryBlocks += st.blocks();
            }
            return s;
        }
    }

    private void replay(BlockStore store, TraceRequest r) {
        long[] hashes = r.hashIds();
        List<String> ids = new ArrayList<>(hashes.length);
        for (long h : hashes)
            ids.add(BlockPayload.key(h));
        long t = System.nanoTime();
        int hit = store.lookupOnPrefixLength(ids);
        lookupLat.add(System.nanoTime() - t);
        blocks += hashes.length;
        hitBlocks += hit;
        inputTokens += r.inputLength();
        hitTokens += r.hitTokens(hit, opts.tokensPerBlock());
        // Where each hit block is before the load: a load may promote SSD blocks back into memory.
        if (hit > 0)
            countTiers(store, ids.subList(0, hit));
        for (int from = 0; from < hit; from += maxPerCall)
            load(store, ids, hashes, from, Math.min(hit, from + maxPerCall));
        // A block after the hit prefix may still be stored (or named twice): dump each distinct id once.
        List<Integer> todo = new ArrayList<>();
        Set<Long> distinct = new HashSet<>();
        for (int j = hit; j < hashes.length; j++)
            if (distinct.add(hashes[j]))
                todo.add(j);
        for (int from = 0; from < todo.size(); from += maxPerCall)
            dump(store, ids, hashes, todo.subList(from, Math.min(todo.size(), from + maxPerCall)));
    }

    private void load(BlockStore store, List<String> ids, long[] hashes, int from, int to) {
        int n = to - from;
        List<ByteBuffer> bufs = buffers(loadBufs, n);
        for (ByteBuffer b : bufs)
            b.clear();
        long t = System.nanoTime();
        try {
            store.load(ids.subList(from, to), new int[n], bufs).await();
        } catch (KvGridException e) {
            // A block found by the lookup is leased and must still be there: count it, say why (the first few times),
            // go on with the trace.
            if (++failedLoads <= 5)
                System.err.println("kvgrid replay: a load of " + n + " blocks failed: " + e.getMessage());
            loadErrors += n;
            return;
        } finally {
            long took = System.nanoTime() - t;
            loadLat.add(took);
            loadPerBlock.add(took / n);
        }
        for (int i = 0; i < n; i++) {
            ByteBuffer b = bufs.get(i);
            if (b.position() != blockBytes || !BlockPayload.matches(hashes[from + i], b, blockBytes))
                verifyFailures++;
        }
        bytesLoaded += (long) n * blockBytes;
    }

    private void countTiers(BlockStore store, List<String> hitIds) {
        for (String id : hitIds) {
            Optional<BlockMeta> m = store.query(id);
            String tier = m.isEmpty() || m.get().tiers().isEmpty() ? "none"
                : m.get().tiers().iterator().next().name().toLowerCase();
            tierHits.merge(tier, 1L, Long::sum);
        }
    }

    private void dump(BlockStore store, List<String> ids, long[] hashes, List<Integer> which) {
        int n = which.size();
        List<ByteBuffer> bufs = buffers(dumpBufs, n);
        List<String> keys = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ByteBuffer b = bufs.get(i);
            b.clear();
            BlockPayload.fill(hashes[which.get(i)], b, blockBytes);
            b.flip();
            keys.add(ids.get(which.get(i)));
        }
        long t = System.nanoTime();
        try {
            store.dump(keys, new int[n], bufs).await();
        } catch (KvGridException e) {
            // Every block left in the node's region is leased (or pinned): kvgrid refuses the write rather than
            // evicting a block a reader holds. An engine would recompute these blocks next time; so does the replay.
            if (e.code() != ErrorCode.NO_SPACE)
                throw e;
            dumpRejected += n;
            return;
        } finally {
            long took = System.nanoTime() - t;
            dumpLat.add(took);
            dumpPerBlock.add(took / n);
        }
        bytesDumped += (long) n * blockBytes;
        dumpedNew += n;
    }

    private List<ByteBuffer> buffers(List<ByteBuffer> pool, int n) {
        while (pool.size() < n)
            pool.add(ByteBuffer.allocate(blockBytes));
        return pool.subList(0, n);
    }

    /**
     * A bounded memory tier relies on eviction. Ignite halts the JVM when a region overflows, so once more blocks
     * were dumped than the capacity, check that the grid evicts and stop with a clear error if it never does.
     */
    private void guardAgainstOverflow(LocalCluster cluster) {
        if (!opts.bounded() || evictionSeen || dumpedNew < opts.capacityBlocks() * 0.9)
            return;
        long evictions = 0;
        for (KvGridNode n : cluster.kvNodes()) {
            NodeStats s = n.store().localStats();
            evictions += s.evictions();
        }
        if (evictions > 0) {
            evictionSeen = true;
            return;
        }
        if (dumpedNew > opts.capacityBlocks() * 1.25 + 1_000)
            throw new ReplayException("the memory tier is full (" + dumpedNew + " blocks dumped into a capacity of "
                + opts.capacityBlocks() + ") and kvgrid has evicted nothing; run without --capacity-blocks");
    }

    private ReplaySummary summary(double seconds, KvGridConfiguration cfg) {
        ReplaySummary s = new ReplaySummary();
        s.source = opts.trace() == null ? "generator(seed=" + opts.seed() + ")" : opts.trace().toString();
        s.requests = requests.size();
        s.nodes = opts.nodes();
        s.capacityBlocks = opts.capacityBlocks();
        s.tokensPerBlock = opts.tokensPerBlock();
        s.blockBytes = blockBytes;
        s.pageSize = cfg.getPageSizeBytes();
        s.dataRegionBytes = cfg.getDataRegionBytes();
        s.blocks = blocks;
        s.hitBlocks = hitBlocks;
        s.inputTokens = inputTokens;
        s.hitTokens = hitTokens;
        s.tierHits.putAll(tierHits);
        for (Tier t : Tier.values())
            s.tierHits.putIfAbsent(t.name().toLowerCase(), 0L);
        s.bytesLoaded = bytesLoaded;
        s.bytesDumped = bytesDumped;
        s.verifyFailures = verifyFailures;
        s.loadErrors = loadErrors;
        s.dumpRejected = dumpRejected;
        s.highWatermark = cfg.getHighWatermark();
        s.ssdBytes = opts.ssdBytes();
        s.seconds = seconds;
        s.lookup = lookupLat;
        s.load = loadLat;
        s.dump = dumpLat;
        s.loadPerBlock = loadPerBlock;
        s.dumpPerBlock = dumpPerBlock;
        if (opts.bounded()) {
            LruSimulator lru = new LruSimulator(opts.capacityBlocks());
            long lruHits = 0;
            long lruTokens = 0;
            for (TraceRequest r : requests) {
                int h = lru.access(r.hashIds());
                lruHits += h;
                lruTokens += r.hitTokens(h, opts.tokensPerBlock());
            }
            s.lruBlockHitRate = blocks == 0 ? 0 : (double) lruHits / blocks;
            s.lruTokenHitRate = inputTokens == 0 ? 0 : (double) lruTokens / inputTokens;
            s.lruEvictions = lru.evictions();
        }
        return s;
    }

    /** The replay cannot go on; the message says why. */
    static final class ReplayException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ReplayException(String message) {
            super(message);
        }
    }
}
