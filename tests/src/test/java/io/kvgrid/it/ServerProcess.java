package io.kvgrid.it;

import io.kvgrid.KvGrid;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridNode;
import io.kvgrid.testing.TestCluster;

/**
 * A kvgrid server node in a JVM of its own (a child process of a test): small regions, the test's discovery and
 * thin-client port ranges. Prints {@code READY <thin-client port>} once it serves, then runs until killed or until
 * its standard input closes (the test ended).
 */
public final class ServerProcess {
    private ServerProcess() {
    }

    /** Arguments: discovery port, first thin-client port, block region bytes, node name[, metadata region bytes]. */
    public static void main(String[] args) throws Exception {
        KvGridConfiguration cfg = TestCluster.smallConfig();
        cfg.setDataRegionBytes(Long.parseLong(args[2]));
        if (args.length > 4)
            cfg.setMetaRegionBytes(Long.parseLong(args[4]));
        KvGridNode node = KvGrid.start(KvGrid.embeddedConfiguration(args[3], cfg, Integer.parseInt(args[0]),
            Integer.parseInt(args[1])).setConsistentId(args[3]));
        System.out.println("READY " + node.ignite().cluster().localNode().attribute("clientListenerPort"));
        System.out.flush();
        while (System.in.read() >= 0) {
            // the parent holds our stdin open while it wants us
        }
        node.close();
    }
}
