package io.kvgrid;

import org.apache.ignite.Ignite;

/**
 * A running Ignite node with the kvgrid store. Closing it stops the node.
 *
 * <pre>{@code
 * try (KvGridNode node = KvGrid.startEmbedded()) {
 *     node.store().put("blk-0", bytes);
 *     System.out.println(node.ignite().cluster().nodes().size() + " nodes");
 * }
 * }</pre>
 */
public final class KvGridNode implements AutoCloseable {
    private final Ignite ignite;
    private final BlockStore store;

    KvGridNode(Ignite ignite, BlockStore store) {
        this.ignite = ignite;
        this.store = store;
    }

    public Ignite ignite() {
        return ignite;
    }

    public BlockStore store() {
        return store;
    }

    /** Consistent id of this node, as used by {@link PutOptions.Builder#preferredNode(String)}. */
    public String consistentId() {
        return String.valueOf(ignite.cluster().localNode().consistentId());
    }

    @Override
    public void close() {
        ignite.close();
    }
}
