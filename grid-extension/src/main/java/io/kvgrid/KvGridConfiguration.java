package io.kvgrid;

import io.micrometer.core.instrument.MeterRegistry;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Settings of a kvgrid store. A Java bean, so Spring XML can set it; each setter validates its value at once and
 * rejects values that conflict with another setting ({@link ErrorCode#INVALID_CONFIG}, naming the property).
 *
 * <pre>{@code
 * KvGridConfiguration cfg = new KvGridConfiguration();
 * cfg.setDataRegionBytes(8L << 30);     // 8 GiB of off-heap block memory per node
 * cfg.setDefaultReplicas(2);
 * try (KvGridNode node = KvGrid.startEmbedded(cfg)) { ... }
 * }</pre>
 */
public class KvGridConfiguration {
    private String cacheNamePrefix = "kvgrid";
    private String dataRegionName = "kvgrid-blocks";
    private long dataRegionBytes = 1L << 30;
    private long metaRegionBytes = 256L << 20;
    private int pageSizeBytes = 16 * 1024;
    private int defaultReplicas = 2;
    private int maxReplicas = 3;
    private int maxBlockBytes = 64 << 20;
    private long leaseTtlMillis = 10_000;
    private long defaultSoftPinTtlMillis = 30 * 60_000L;
    private long maxSoftPinTtlMillis = 24 * 3_600_000L;
    private boolean evictSoftPinned = true;
    private double highWatermark = 0.90;
    /** NaN: derived from the high watermark (see {@link #getLowWatermark()}). */
    private double lowWatermark = Double.NaN;
    private double evictionRatio = 0.05;
    private int shardsPerBlock = 1;
    private int partitions = 256;
    private boolean verifyOnRead;
    private int asyncThreads = 4;
    private Ticker ticker = Ticker.system();
    private EvictionListener evictionListener;
    private List<Object> tiers = List.of(MEMORY);
    private int promotionThreshold = 2;
    private boolean preTouchRegion;
    private long regexTimeoutMillis = 5_000;
    private long joinTimeoutMillis = 30_000;
    private long readDeadlineMillis = 100;
    private long writeDeadlineMillis = 2_000;
    private MeterRegistry meterRegistry;
    private int metricsPort = DEFAULT_METRICS_PORT;
    private int blockChannelPort = DEFAULT_BLOCK_CHANNEL_PORT;
    private int blockChannelPortRange = 100;
    private long blockChannelStallMillis = DEFAULT_BLOCK_CHANNEL_STALL_MILLIS;

    /** The grid's own memory tier in {@link #setTiers}: always there, once. */
    public static final String MEMORY = "memory";

    /** Port of {@code kvgrid node}'s metrics endpoint when the configuration names none (Prometheus' default). */
    public static final int DEFAULT_METRICS_PORT = 9464;

    /** First port of the block channel when the configuration names none (see {@link #getBlockChannelPort()}). */
    public static final int DEFAULT_BLOCK_CHANNEL_PORT = 47700;
    /** Default of {@link #getBlockChannelStallMillis()}. */
    public static final long DEFAULT_BLOCK_CHANNEL_STALL_MILLIS = 10_000;

    public KvGridConfiguration() {
    }

    /** A copy of {@code other}. */
    public KvGridConfiguration(KvGridConfiguration other) {
        cacheNamePrefix = other.cacheNamePrefix;
        dataRegionName = other.dataRegionName;
        dataRegionBytes = other.dataRegionBytes;
        metaRegionBytes = other.metaRegionBytes;
        pageSizeBytes = other.pageSizeBytes;
        defaultReplicas = other.defaultReplicas;
        maxReplicas = other.maxReplicas;
        maxBlockBytes = other.maxBlockBytes;
        leaseTtlMillis = other.leaseTtlMillis;
        defaultSoftPinTtlMillis = other.defaultSoftPinTtlMillis;
        maxSoftPinTtlMillis = other.maxSoftPinTtlMillis;
        evictSoftPinned = other.evictSoftPinned;
        highWatermark = other.highWatermark;
        lowWatermark = other.lowWatermark;
        evictionRatio = other.evictionRatio;
        shardsPerBlock = other.shardsPerBlock;
        partitions = other.partitions;
        verifyOnRead = other.verifyOnRead;
        asyncThreads = other.asyncThreads;
        ticker = other.ticker;
        evictionListener = other.evictionListener;
        tiers = other.tiers;
        promotionThreshold = other.promotionThreshold;
        preTouchRegion = other.preTouchRegion;
        regexTimeoutMillis = other.regexTimeoutMillis;
        joinTimeoutMillis = other.joinTimeoutMillis;
        readDeadlineMillis = other.readDeadlineMillis;
        writeDeadlineMillis = other.writeDeadlineMillis;
        meterRegistry = other.meterRegistry;
        metricsPort = other.metricsPort;
        blockChannelPort = other.blockChannelPort;
        blockChannelPortRange = other.blockChannelPortRange;
        blockChannelStallMillis = other.blockChannelStallMillis;
    }

    private static KvGridException bad(String property, String message) {
        return new KvGridException(ErrorCode.INVALID_CONFIG, property, message);
    }

    /** Prefix of the Ignite cache names kvgrid creates ({@code <prefix>-meta}, {@code <prefix>-data-r<N>}). */
    public String getCacheNamePrefix() { return cacheNamePrefix; }

    public void setCacheNamePrefix(String v) {
        if (v == null || !v.matches("[A-Za-z0-9_.-]{1,64}"))
            throw bad("cacheNamePrefix", "must be 1..64 letters, digits, '_', '.' or '-', was " + v);
        cacheNamePrefix = v;
    }

    /** Ignite data region holding block payloads. */
    public String getDataRegionName() { return dataRegionName; }

    public void setDataRegionName(String v) {
        if (v == null || v.isBlank())
            throw bad("dataRegionName", "must not be empty");
        dataRegionName = v;
    }

    /** Off-heap bytes of the block data region on each server node. */
    public long getDataRegionBytes() { return dataRegionBytes; }

    public void setDataRegionBytes(long v) {
        if (v < (16L << 20))
            throw bad("dataRegionBytes", "must be at least 16 MiB, was " + v);
        dataRegionBytes = v;
    }

    /** Off-heap bytes of the metadata region on each server node. */
    public long getMetaRegionBytes() { return metaRegionBytes; }

    public void setMetaRegionBytes(long v) {
        if (v < (16L << 20))
            throw bad("metaRegionBytes", "must be at least 16 MiB, was " + v);
        metaRegionBytes = v;
    }

    /** Ignite page size for the embedded node (measured best for 64 KiB..1 MiB blocks: see the module README). */
    public int getPageSizeBytes() { return pageSizeBytes; }

    public void setPageSizeBytes(int v) {
        if (v < 1024 || v > 16 * 1024 || Integer.bitCount(v) != 1)
            throw bad("pageSizeBytes", "must be a power of two from 1 KiB to 16 KiB (Ignite's limits), was " + v);
        pageSizeBytes = v;
    }

    /** Copies of a block (primary plus Ignite backups) when a put asks for none. Default 2 (one backup). */
    public int getDefaultReplicas() { return defaultReplicas; }

    public void setDefaultReplicas(int v) {
        if (v < 1)
            throw bad("defaultReplicas", "must be at least 1, was " + v);
        if (v > maxReplicas)
            throw bad("defaultReplicas", "must not exceed maxReplicas (" + maxReplicas + "), was " + v);
        defaultReplicas = v;
    }

    /** Most copies a put may ask for. */
    public int getMaxReplicas() { return maxReplicas; }

    public void setMaxReplicas(int v) {
        if (v < 1 || v > 8)
            throw bad("maxReplicas", "must be 1..8, was " + v);
        if (v < defaultReplicas)
            throw bad("maxReplicas", "must not be below defaultReplicas (" + defaultReplicas + "), was " + v);
        maxReplicas = v;
    }

    /** Largest block payload accepted. */
    public int getMaxBlockBytes() { return maxBlockBytes; }

    public void setMaxBlockBytes(int v) {
        if (v < 1)
            throw bad("maxBlockBytes", "must be positive, was " + v);
        maxBlockBytes = v;
    }

    /** How long a read keeps a block leased. */
    public long getLeaseTtlMillis() { return leaseTtlMillis; }

    public void setLeaseTtlMillis(long v) {
        if (v < 0)
            throw bad("leaseTtlMillis", "must not be negative, was " + v);
        leaseTtlMillis = v;
    }

    /** Soft-pin TTL when a put asks for a soft pin without one. */
    public long getDefaultSoftPinTtlMillis() { return defaultSoftPinTtlMillis; }

    public void setDefaultSoftPinTtlMillis(long v) {
        if (v <= 0)
            throw bad("defaultSoftPinTtlMillis", "must be positive, was " + v);
        if (v > maxSoftPinTtlMillis)
            throw bad("defaultSoftPinTtlMillis", "must not exceed maxSoftPinTtlMillis (" + maxSoftPinTtlMillis + ")");
        defaultSoftPinTtlMillis = v;
    }

    /** Longest soft pin a put may ask for. */
    public long getMaxSoftPinTtlMillis() { return maxSoftPinTtlMillis; }

    public void setMaxSoftPinTtlMillis(long v) {
        if (v <= 0)
            throw bad("maxSoftPinTtlMillis", "must be positive, was " + v);
        if (v < defaultSoftPinTtlMillis)
            throw bad("maxSoftPinTtlMillis", "must not be below defaultSoftPinTtlMillis (" + defaultSoftPinTtlMillis + ")");
        maxSoftPinTtlMillis = v;
    }

    /** Whether soft-pinned blocks may be evicted as a last resort. */
    public boolean isEvictSoftPinned() { return evictSoftPinned; }

    public void setEvictSoftPinned(boolean v) { evictSoftPinned = v; }

    /** Fill of the block region above which a node evicts. */
    public double getHighWatermark() { return highWatermark; }

    public void setHighWatermark(double v) {
        if (!(v > 0 && v < 1))
            throw bad("highWatermark", "must be in (0, 1), was " + v);
        if (!Double.isNaN(lowWatermark) && v <= lowWatermark)
            throw bad("highWatermark", "must be above lowWatermark (" + lowWatermark + "), was " + v);
        highWatermark = v;
    }

    /**
     * Fill of the block region a node's background eviction keeps it at or below, ahead of writers, so that a put
     * into a full region finds room without evicting on its own thread (a writer evicts only when the background
     * falls behind and the high watermark would be crossed). Default: {@code highWatermark - 0.05}, at least half of
     * it.
     */
    public double getLowWatermark() {
        return Double.isNaN(lowWatermark) ? Math.max(highWatermark / 2, highWatermark - 0.05) : lowWatermark;
    }

    public void setLowWatermark(double v) {
        if (!(v > 0 && v < 1))
            throw bad("lowWatermark", "must be in (0, 1), was " + v);
        if (v >= highWatermark)
            throw bad("lowWatermark", "must be below highWatermark (" + highWatermark + "), was " + v);
        lowWatermark = v;
    }

    /** Share of a node's eligible blocks evicted per pass. */
    public double getEvictionRatio() { return evictionRatio; }

    public void setEvictionRatio(double v) {
        if (!(v > 0 && v <= 1))
            throw bad("evictionRatio", "must be in (0, 1], was " + v);
        evictionRatio = v;
    }

    /** Equal shards per block for {@code load} / {@code dump}. */
    public int getShardsPerBlock() { return shardsPerBlock; }

    public void setShardsPerBlock(int v) {
        if (v < 1 || v > 4096)
            throw bad("shardsPerBlock", "must be 1..4096, was " + v);
        shardsPerBlock = v;
    }

    /**
     * Partitions of every kvgrid cache. Blocks are large and few compared with typical Ignite entries, and each
     * partition costs a few pages per region, so the default is 256 rather than Ignite's 1024.
     */
    public int getPartitions() { return partitions; }

    public void setPartitions(int v) {
        if (v < 1 || v > 65000)
            throw bad("partitions", "must be 1..65000, was " + v);
        partitions = v;
    }

    /** Verify the CRC32C of in-memory blocks on every read (lower tiers always verify). */
    public boolean isVerifyOnRead() { return verifyOnRead; }

    public void setVerifyOnRead(boolean v) { verifyOnRead = v; }

    /** Threads running asynchronous load / dump tasks. */
    public int getAsyncThreads() { return asyncThreads; }

    public void setAsyncThreads(int v) {
        if (v < 1 || v > 256)
            throw bad("asyncThreads", "must be 1..256, was " + v);
        asyncThreads = v;
    }

    public Ticker getTicker() { return ticker; }

    public void setTicker(Ticker v) {
        if (v == null)
            throw bad("ticker", "must not be null");
        ticker = v;
    }

    /** Called before an evicted block's payload is freed; {@code null} drops evicted blocks. */
    public EvictionListener getEvictionListener() { return evictionListener; }

    public void setEvictionListener(EvictionListener v) { evictionListener = v; }

    /**
     * The tiers of each server node, fastest first: {@value #MEMORY} (the grid, always there, exactly once) and
     * {@link TierStoreFactory tier factories} around it. Tiers before memory hold node-local copies of hot blocks
     * (the GPU tier: blocks read {@link #getPromotionThreshold()} times on a node come up, least recently used ones
     * leave, their copy below stands). Tiers after memory take evicted blocks (the SSD tier), each writing what it
     * must drop down into the next. Default: memory alone, so evicted blocks are dropped. A factory may open no tier
     * on a node (a GPU tier without CUDA): the node then runs without it.
     *
     * <pre>{@code
     * cfg.setTiers(List.of(new GpuTierFactory().setDevice("cuda:0").setCapacityBytes(8L << 30),
     *                      KvGridConfiguration.MEMORY,
     *                      new SsdTierFactory().setDirectory("/nvme/kvgrid").setCapacityBytes(256L << 30)));
     * }</pre>
     *
     * In Spring XML: {@code <list><ref bean="gpu"/><value>memory</value><ref bean="ssd"/></list>}.
     */
    public List<Object> getTiers() { return tiers; }

    public void setTiers(List<?> v) {
        if (v == null)
            throw bad("tiers", "must not be null (memory alone is [\"memory\"])");
        List<Object> out = new ArrayList<>();
        Map<Object, Boolean> seen = new IdentityHashMap<>();
        int memory = 0;
        for (int i = 0; i < v.size(); i++) {
            Object t = v.get(i);
            if (t instanceof String s && s.trim().equalsIgnoreCase(MEMORY)) {
                memory++;
                out.add(MEMORY);
            } else if (t instanceof TierStoreFactory f) {
                if (seen.put(f, Boolean.TRUE) != null)
                    throw bad("tiers", "element " + i + " is a tier factory listed twice");
                out.add(f);
            } else {
                throw bad("tiers", "element " + i + " must be \"memory\" or a TierStoreFactory, was " + t);
            }
        }
        if (memory != 1)
            throw bad("tiers", "must name the memory tier (the grid) exactly once, named it " + memory + " times");
        tiers = List.copyOf(out);
    }

    /** Whether tiers below memory take evicted blocks (else evicted blocks are dropped). */
    public boolean hasTiersBelowMemory() {
        return !MEMORY.equals(tiers.get(tiers.size() - 1));
    }

    /**
     * Reads from below after which a block is promoted: from a tier below memory back into memory, and from memory
     * into this node's tiers above it (admission threshold). Default 2.
     */
    public int getPromotionThreshold() { return promotionThreshold; }

    public void setPromotionThreshold(int v) {
        if (v < 1)
            throw bad("promotionThreshold", "must be at least 1, was " + v);
        promotionThreshold = v;
    }

    /**
     * Fault the whole block region in when a server node starts (like {@code -XX:+AlwaysPreTouch} for a heap), so the
     * first puts do not pay the kernel's first-touch of fresh memory (measured 2.5-3 ms instead of 0.3-0.4 ms per
     * 1 MiB block). Start-up takes about a second per GiB and the region is resident from the start.
     */
    public boolean isPreTouchRegion() { return preTouchRegion; }

    public void setPreTouchRegion(boolean v) { preTouchRegion = v; }

    /**
     * Longest time a key scan by regex ({@code listKeys}, {@code removeByRegex}) may spend matching on a node; a
     * pattern that backtracks for longer fails with TIMEOUT.
     */
    public long getRegexTimeoutMillis() { return regexTimeoutMillis; }

    public void setRegexTimeoutMillis(long v) {
        if (v < 1)
            throw bad("regexTimeoutMillis", "must be positive, was " + v);
        regexTimeoutMillis = v;
    }

    /**
     * Longest time a read ({@code get}, {@code getInto} and their batch forms, {@code lookup},
     * {@code lookupOnPrefixLength}, a {@code load} shard) waits for the nodes holding its blocks. A block whose
     * node does not answer in time (a GC pause, a stopped process) counts as missing: gets report it with TIMEOUT,
     * lookups as a miss, a load fails that shard with TIMEOUT. A missing block is recomputed; a stalled engine is
     * worse. Default 100 ms.
     */
    public long getReadDeadlineMillis() { return readDeadlineMillis; }

    public void setReadDeadlineMillis(long v) {
        if (v < 1)
            throw bad("readDeadlineMillis", "must be positive, was " + v);
        readDeadlineMillis = v;
    }

    /**
     * Longest time a write ({@code put}, {@code upsert}, their batch forms, a {@code dump} shard) waits for the nodes
     * that must hold its copies; past it the write fails with TIMEOUT and the block is not acknowledged (it becomes
     * visible, whole, only if the stalled node answers later). Default 2 s.
     */
    public long getWriteDeadlineMillis() { return writeDeadlineMillis; }

    public void setWriteDeadlineMillis(long v) {
        if (v < 1)
            throw bad("writeDeadlineMillis", "must be positive, was " + v);
        writeDeadlineMillis = v;
    }

    /**
     * How long an embedded node ({@code KvGrid.embeddedConfiguration}) tries to join its cluster; a client node
     * with no server to join fails with NODE_UNAVAILABLE after it instead of waiting forever.
     */
    public long getJoinTimeoutMillis() { return joinTimeoutMillis; }

    public void setJoinTimeoutMillis(long v) {
        if (v < 1)
            throw bad("joinTimeoutMillis", "must be positive, was " + v);
        joinTimeoutMillis = v;
    }

    /**
     * Where each node registers kvgrid's meters (tagged {@code node=<consistent id>}; the README lists them), e.g. an
     * application's Prometheus or JMX registry. {@code null} (the default) drops them; {@code kvgrid node} serves
     * them at {@code /metrics} on {@link #getMetricsPort()}.
     *
     * <pre>{@code
     * PrometheusMeterRegistry prom = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
     * cfg.setMeterRegistry(prom);   // cache.gets, cache.puts, kvgrid.operations, ... per node
     * }</pre>
     */
    public MeterRegistry getMeterRegistry() { return meterRegistry; }

    public void setMeterRegistry(MeterRegistry v) { meterRegistry = v; }

    /**
     * TCP port on which {@code kvgrid node} serves Prometheus text at {@code /metrics} and its health at
     * {@code /health}, bound to the node's local host; 0 turns the endpoint off. Default {@value #DEFAULT_METRICS_PORT}.
     */
    public int getMetricsPort() { return metricsPort; }

    public void setMetricsPort(int v) {
        if (v < 0 || v > 65535)
            throw bad("metricsPort", "must be 0 (off) or a TCP port 1..65535, was " + v);
        metricsPort = v;
    }

    /**
     * First TCP port a server node tries for its block channel: reads of whole blocks from client nodes and thin
     * clients go straight to the node holding them over it, one round trip with the payload written from the stored
     * array, instead of Ignite's record and payload messages or the thin-client protocol. Bound on the node's local
     * host (every interface when none is set); with TLS on the node it takes TLS from kvgrid node and client
     * certificates only. It serves reads, lookups and writes. Default {@value #DEFAULT_BLOCK_CHANNEL_PORT} (the first
     * free of it and {@link #getBlockChannelPortRange()} after it); 0 turns it off, and reads take Ignite's path and
     * the thin-client protocol (README, Measured: 2-5x slower gets from other processes).
     */
    public int getBlockChannelPort() { return blockChannelPort; }

    public void setBlockChannelPort(int v) {
        if (v < 0 || v > 65535)
            throw bad("blockChannelPort", "must be 0 (off) or a TCP port 1..65535, was " + v);
        blockChannelPort = v;
    }

    /** How many ports after {@link #getBlockChannelPort()} a node may try when it is taken. Default 100. */
    public int getBlockChannelPortRange() { return blockChannelPortRange; }

    public void setBlockChannelPortRange(int v) {
        if (v < 0 || v > 65535)
            throw bad("blockChannelPortRange", "must be 0..65535, was " + v);
        blockChannelPortRange = v;
    }

    /**
     * How long one step of a block channel connection may take before the node closes it: the TLS handshake and
     * HELLO, reading a request after its first byte, writing a group of answers. A client that sends its bytes slowly
     * or stops reading would otherwise hold a connection, a thread and, while answered, part of the node's byte budget
     * (a socket write never times out). A PUT's payloads have the write deadline instead. Default 10 s: a group of
     * answers (2 MiB, or one larger block) needs a client taking at least 0.2 MB/s, a 64 MiB block 6.7 MB/s.
     */
    public long getBlockChannelStallMillis() { return blockChannelStallMillis; }

    public void setBlockChannelStallMillis(long v) {
        if (v <= 0)
            throw bad("blockChannelStallMillis", "must be > 0, was " + v);
        blockChannelStallMillis = v;
    }
}
