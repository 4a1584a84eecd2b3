package io.kvgrid.grid;

import io.kvgrid.KvGridConfiguration;
import org.apache.ignite.Ignite;
import org.apache.ignite.internal.IgniteEx;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** What the plugin runs on one node: the store and, on server nodes, the space governor and orphan cleaner. */
public final class KvGridRuntime implements AutoCloseable {
    private static final Map<String, KvGridRuntime> BY_NODE = new ConcurrentHashMap<>();
    /** How long a starting server waits for the cluster's payload copies to settle (see CopyRestorer). */
    private static final long JOIN_SETTLE_MILLIS = 30_000;

    private final String nodeName;
    private final GridBlockStore store;
    private final SpaceGovernor governor;
    private final OrphanCleaner cleaner;
    private final NodeTiers tiers;
    private final PauseWatchdog watchdog;
    private final CopyRestorer restorer;

    private KvGridRuntime(String nodeName, GridBlockStore store, SpaceGovernor governor, OrphanCleaner cleaner,
                          NodeTiers tiers) {
        this.nodeName = nodeName;
        this.store = store;
        this.governor = governor;
        this.cleaner = cleaner;
        this.tiers = tiers;
        this.watchdog = governor == null ? null : new PauseWatchdog(store.ignite());
        this.restorer = governor == null ? null : new CopyRestorer(store.ignite(), store, governor);
    }

    public static KvGridRuntime start(Ignite ignite, KvGridConfiguration cfg) {
        GridBlockStore store = new GridBlockStore(ignite, cfg);
        boolean server = !ignite.cluster().localNode().isClient();
        SpaceGovernor governor = server ? new SpaceGovernor(ignite, store, store.config(), true) : null;
        store.governor(governor);
        NodeTiers tiers = server ? NodeTiers.open(ignite, store) : null;
        if (tiers != null)
            governor.tiers(tiers);
        if (server)
            ThinClientGateway.startSql(ignite, cfg);
        NodeGauges.bind(store.meters(), store, governor, tiers);
        KvGridRuntime rt = new KvGridRuntime(ignite.name(), store, governor,
            server ? new OrphanCleaner((IgniteEx) ignite, store) : null, tiers);
        BY_NODE.put(String.valueOf(ignite.name()), rt);
        if (rt.restorer != null)
            rt.restorer.awaitSettled(JOIN_SETTLE_MILLIS);
        // After the copies settled: a node owns its share of scratch keys only once the cluster's affinity moved.
        if (governor != null && cfg.isPreTouchRegion())
            governor.preTouch();
        if (tiers != null)
            tiers.announce();
        return rt;
    }

    /** The runtime of a node in this JVM, or null. */
    static KvGridRuntime of(Ignite ignite) {
        return BY_NODE.get(String.valueOf(ignite.name()));
    }

    static SpaceGovernor governor(Ignite ignite) {
        KvGridRuntime rt = of(ignite);
        return rt == null ? null : rt.governor;
    }

    /** The tiers around memory of a node in this JVM, or null. */
    static NodeTiers tiers(Ignite ignite) {
        KvGridRuntime rt = of(ignite);
        return rt == null ? null : rt.tiers;
    }

    long copiesWaiting() {
        return restorer == null ? 0 : restorer.waiting();
    }

    long copiesRestored() {
        return restorer == null ? 0 : restorer.restored();
    }

    public GridBlockStore store() {
        return store;
    }

    @Override
    public void close() {
        BY_NODE.remove(String.valueOf(nodeName), this);
        if (watchdog != null)
            watchdog.close();
        if (restorer != null)
            restorer.close();
        if (cleaner != null)
            cleaner.close();
        if (governor != null)
            governor.close();
        store.close();
        if (tiers != null)
            tiers.close();
    }
}
