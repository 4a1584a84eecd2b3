package io.kvgrid.grid;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridException;
import io.kvgrid.TierContext;
import io.kvgrid.TierStore;
import io.kvgrid.TierStoreFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Builds a node's store chains from {@link KvGridConfiguration#getTiers()}: the tiers listed before {@code memory}
 * form the chain above the grid, those after it the chain below. Each tier is opened by its factory and wrapped as
 * {@code Verifying(Guarded(tier))}; consecutive tiers are joined by {@link WriteDownStore}, and the chain above the
 * grid is wrapped in {@link PromotingStore}. A factory that returns null leaves its tier out on this node (the
 * factory says why).
 */
final class TierChain {
    private TierChain() {
    }

    /** What the chain needs from the node: its id, and where the tiers' drop notices go. */
    interface Node {
        String nodeId();

        /** A tier of the chain dropped its copy of {@code key}, or moved it to a tier of another kind. */
        void dropped(String key);
    }

    /** The factories above memory, fastest first. */
    static List<TierStoreFactory> above(KvGridConfiguration cfg) {
        List<TierStoreFactory> out = new ArrayList<>();
        for (Object t : cfg.getTiers()) {
            if (KvGridConfiguration.MEMORY.equals(t))
                break;
            out.add((TierStoreFactory) t);
        }
        return out;
    }

    /** The factories below memory, fastest first. */
    static List<TierStoreFactory> below(KvGridConfiguration cfg) {
        List<TierStoreFactory> out = new ArrayList<>();
        boolean past = false;
        for (Object t : cfg.getTiers()) {
            if (past)
                out.add((TierStoreFactory) t);
            past |= KvGridConfiguration.MEMORY.equals(t);
        }
        return out;
    }

    /**
     * Opens the tiers of {@code factories} and chains them, or returns null when none opened. {@code guard} decides
     * what a tier may drop to make room; {@code onMismatch} hears of damaged copies.
     */
    static NodeStore build(List<TierStoreFactory> factories, Node node, Predicate<String> guard, Runnable onMismatch) {
        List<NodeStore> stacks = new ArrayList<>();
        List<Target> targets = new ArrayList<>();
        try {
            for (TierStoreFactory f : factories) {
                Target target = new Target(node);
                TierStore t = f.open(target);
                if (t == null)
                    continue;
                stacks.add(new VerifyingStore(new GuardedStore(new PluggedTier(t), guard), onMismatch));
                targets.add(target);
            }
        } catch (RuntimeException e) {
            stacks.forEach(NodeStore::close);
            throw e instanceof KvGridException ? e
                : new KvGridException(ErrorCode.INVALID_CONFIG, "tiers", "a tier failed to open: " + e, e);
        }
        if (stacks.isEmpty())
            return null;
        // Join from the bottom up; each tier asks the store that writes its blocks down (or itself, at the bottom).
        NodeStore chain = stacks.get(stacks.size() - 1);
        targets.get(stacks.size() - 1).store = chain;
        for (int i = stacks.size() - 2; i >= 0; i--) {
            chain = new WriteDownStore(stacks.get(i), chain, node::dropped);
            targets.get(i).store = chain;
        }
        return chain;
    }

    /** The context a tier opens with: drop questions go to its place in the chain, drop notices to the node. */
    private static final class Target implements TierContext {
        private final Node node;
        volatile NodeStore store;

        Target(Node node) {
            this.node = node;
        }

        @Override
        public String nodeId() {
            return node.nodeId();
        }

        @Override
        public boolean mayDrop(String key) {
            NodeStore s = store;
            return s != null && s.mayDrop(key);
        }

        @Override
        public void dropped(String key) {
            node.dropped(key);
        }
    }

    /** Calls {@code action} for every tier of {@code chain}; nothing for null. */
    static void forEachTier(NodeStore chain, Consumer<TierStore> action) {
        if (chain != null)
            chain.tiers().forEach(action);
    }
}
