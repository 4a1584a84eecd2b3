package io.kvgrid.grid;

import io.kvgrid.ErrorCode;
import io.kvgrid.KeyResult;
import io.kvgrid.PutResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * kvgrid's meters on one node, named after Micrometer's cache conventions ({@code cache.gets}, {@code cache.puts},
 * {@code cache.evictions}, {@code cache.size}) and tagged {@code node} and, where it applies, {@code tier}. Hot paths
 * only increment counters and record timers created here once; gauges read the node's state when scraped. The README
 * lists every name. Without a configured registry the meters go to an empty composite registry, which drops them.
 */
final class StoreMeters implements AutoCloseable {
    /** Buckets of the stored-block size histogram, as Mooncake reports them: 4 KiB .. 64 MiB. */
    static final double[] SIZE_BUCKETS = {4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20, 16 << 20, 64 << 20};

    private final MeterRegistry registry;
    private final Tags node;
    private final List<Meter> meters = new ArrayList<>();

    final Timer put;
    final Timer get;
    final Timer batchGet;
    final Timer lookup;
    final Timer lookupOnPrefixLength;
    final Timer load;
    final Timer dump;
    /** The cluster steps of a write, each timed once per write call (its keys together). */
    final Timer putReserve;
    final Timer putPayload;
    final Timer putInstall;
    final Timer putChannel;
    private final Counter hitMemory;
    private final Counter hitSsd;
    private final Counter hitGpu;
    private final Counter promotionsAbove;
    private final Counter miss;
    private final Counter puts;
    private final Counter removals;
    private final Counter spillBytes;
    private final Counter promotions;
    private final Counter verifyFailures;
    private final DistributionSummary blockSize;
    private final Map<ErrorCode, Counter> rejected = new EnumMap<>(ErrorCode.class);
    /** The thin-client service's calls, by method (its own timer: the store timers count them too). */
    private final Map<String, Timer> serviceCalls = new HashMap<>();

    StoreMeters(MeterRegistry configured, String nodeId) {
        this.registry = configured == null ? new CompositeMeterRegistry() : configured;
        this.node = Tags.of("node", nodeId);
        put = timer("put");
        get = timer("get");
        batchGet = timer("batchGet");
        lookup = timer("lookup");
        lookupOnPrefixLength = timer("lookupOnPrefixLength");
        load = timer("load");
        dump = timer("dump");
        putReserve = phase("reserve");
        putPayload = phase("payload");
        putInstall = phase("install");
        putChannel = phase("channel");
        hitMemory = counter("cache.gets", "Reads of a stored block, by the tier it was read from",
            "result", "hit", "tier", "memory");
        hitSsd = counter("cache.gets", "Reads of a stored block, by the tier it was read from",
            "result", "hit", "tier", "ssd");
        hitGpu = counter("cache.gets", "Reads of a stored block, by the tier it was read from",
            "result", "hit", "tier", "gpu");
        miss = counter("cache.gets", "Reads of a key that holds no block", "result", "miss", "tier", "none");
        puts = counter("cache.puts", "Blocks stored by writes through this node");
        removals = counter("cache.evictions", "Blocks removed or evicted", "reason", "remove");
        spillBytes = counter("kvgrid.spill.bytes", "Payload bytes this node spilled to its SSD tier");
        promotions = counter("kvgrid.promote.blocks", "Blocks copied back from a lower tier into memory");
        promotionsAbove = counter("kvgrid.promote.above.blocks",
            "Blocks copied into this node's tiers above memory (GPU) after repeated reads");
        verifyFailures = counter("kvgrid.verify.failures", "Reads whose payload failed its checksum or size check");
        for (ErrorCode c : ErrorCode.values())
            rejected.put(c, counter("kvgrid.put.rejected", "Blocks a write refused, by error code", "code", c.name()));
        for (String m : List.of("put", "get", "getShards", "dumpShards", "lookup", "query", "listKeys", "remove",
            "removeByRegex", "prefetch", "channel-get", "channel-lookup", "channel-put"))
            serviceCalls.put(m, add(Timer.builder("kvgrid.service.calls").description("Thin-client service calls "
                + "and block-channel requests (channel-get, channel-lookup, channel-put) this node served, by method (the store "
                + "operations they run are in kvgrid.operations too)")
                .tags(node).tag("method", m).register(registry)));
        blockSize = add(DistributionSummary.builder("kvgrid.block.size").description("Sizes of blocks stored")
            .baseUnit("bytes").serviceLevelObjectives(SIZE_BUCKETS).tags(node).register(registry));
    }

    private Timer timer(String op) {
        return add(Timer.builder("kvgrid.operations").description("Store operations called on this node (embedded "
                + "callers and the thin-client service alike), by operation")
            .tags(node).tag("op", op).publishPercentileHistogram().register(registry));
    }

    private Timer phase(String step) {
        return add(Timer.builder("kvgrid.put.phases").description("Time writes through this node spent in each "
                + "cluster step, once per write call: reserve (region room on the nodes of every copy), payload "
                + "(the payloads to every copy), install (the records); on client nodes, channel (writes sent to "
                + "the records' primaries over their block channels, whose own meters hold those writes' steps); the "
                + "rest of kvgrid.operations{op=put} is local work")
            .tags(node).tag("phase", step).register(registry));
    }

    private Counter counter(String name, String help, String... tags) {
        return add(Counter.builder(name).description(help).tags(node).tags(tags).register(registry));
    }

    private <M extends Meter> M add(M m) {
        synchronized (meters) {
            meters.add(m);
        }
        return m;
    }

    /** A gauge reading {@code fn} of {@code state}, held strongly (Micrometer's gauges hold weak references). */
    <T> void gauge(String name, String help, T state, ToDoubleFunction<T> fn, String... tags) {
        add(Gauge.builder(name, state, fn).description(help).tags(node).tags(tags).strongReference(true)
            .register(registry));
    }

    <T> void functionCounter(String name, String help, T state, ToDoubleFunction<T> fn, String... tags) {
        add(FunctionCounter.builder(name, state, fn).description(help).tags(node).tags(tags).register(registry));
    }

    /** Counts a write's outcome per key: stored blocks (and their sizes), refused ones by code. */
    void written(List<KeyResult<PutResult>> results, List<byte[]> payloads) {
        for (int i = 0; i < results.size(); i++) {
            KeyResult<PutResult> r = results.get(i);
            if (!r.ok()) {
                rejected(r.error().code());
            } else if (!r.value().existed()) {
                puts.increment();
                blockSize.record(payloads.get(i).length);
            }
        }
    }

    void serviceCall(String method, long nanos) {
        Timer t = serviceCalls.get(method);
        if (t != null)
            t.record(nanos, TimeUnit.NANOSECONDS);
    }

    void rejected(ErrorCode code) {
        rejected.get(code).increment();
    }

    /** A read of {@code r}: a miss when null, else a hit in the tier it was read from. */
    void read(BlockRecord r) {
        read(r, false);
    }

    /** {@code above}: the read was served by this node's tiers above memory. */
    void read(BlockRecord r, boolean above) {
        if (r == null)
            miss.increment();
        else if (above)
            hitGpu.increment();
        else if (r.inMemory())
            hitMemory.increment();
        else
            hitSsd.increment();
    }

    void removed() {
        removals.increment();
    }

    void spilled(long bytes) {
        spillBytes.increment(bytes);
    }

    void promotedAbove() {
        promotionsAbove.increment();
    }

    void promoted() {
        promotions.increment();
    }

    void verifyFailed() {
        verifyFailures.increment();
    }

    static long since(long startNanos) {
        return System.nanoTime() - startNanos;
    }

    /** Removes this node's meters from the registry, so a node stopped and started again in one JVM starts afresh. */
    @Override
    public void close() {
        synchronized (meters) {
            meters.forEach(registry::remove);
            meters.clear();
        }
    }
}
