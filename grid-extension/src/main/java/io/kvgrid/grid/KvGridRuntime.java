package io.kvgrid.grid;

import io.kvgrid.BlockStore;
import io.kvgrid.KvGridConfiguration;
import org.apache.ignite.Ignite;
import org.apache.ignite.internal.IgniteEx;

/** What the plugin runs on one node: the store and, on server nodes, the background helpers. */
public final class KvGridRuntime implements AutoCloseable {
    private final GridBlockStore store;
    private final OrphanCleaner cleaner;

    private KvGridRuntime(GridBlockStore store, OrphanCleaner cleaner) {
        this.store = store;
        this.cleaner = cleaner;
    }

    public static KvGridRuntime start(Ignite ignite, KvGridConfiguration cfg) {
        GridBlockStore store = new GridBlockStore(ignite, cfg);
        boolean server = !ignite.cluster().localNode().isClient();
        return new KvGridRuntime(store, server ? new OrphanCleaner((IgniteEx) ignite, store) : null);
    }

    public BlockStore store() {
        return store;
    }

    @Override
    public void close() {
        if (cleaner != null)
            cleaner.close();
        store.close();
    }
}
