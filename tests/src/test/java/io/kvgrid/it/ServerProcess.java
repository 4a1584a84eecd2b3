package io.kvgrid.it;

import io.kvgrid.KvGrid;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridNode;
import io.kvgrid.ssd.SsdTierFactory;
import io.kvgrid.testing.TestCluster;

/**
 * A kvgrid server node in a JVM of its own (a child process of a test): small regions, the test's discovery and
 * thin-client port ranges. Prints {@code READY <thin-client port>} once it serves, then runs until killed or until
 * its standard input closes (the test ended).
 */
public final class ServerProcess {
    private ServerProcess() {
    }

    /**
     * Arguments: discovery port, first thin-client port, block region bytes, node name, then options: a bare number
     * is the metadata region's bytes; {@code leaseMs=N} the lease TTL; {@code ssd=DIR} an SSD tier of 256 MiB there;
     * {@code readDeadlineMs=N}.
     */
    public static void main(String[] args) throws Exception {
        KvGridConfiguration cfg = TestCluster.smallConfig();
        cfg.setDataRegionBytes(Long.parseLong(args[2]));
        for (int i = 4; i < args.length; i++) {
            String a = args[i];
            if (!a.contains("="))
                cfg.setMetaRegionBytes(Long.parseLong(a));
            else if (a.startsWith("leaseMs="))
                cfg.setLeaseTtlMillis(Long.parseLong(value(a)));
            else if (a.startsWith("readDeadlineMs="))
                cfg.setReadDeadlineMillis(Long.parseLong(value(a)));
            else if (a.startsWith("ssd="))
                cfg.setTiers(java.util.List.of(KvGridConfiguration.MEMORY,
                    new SsdTierFactory().setDirectory(value(a)).setCapacityBytes(256L << 20)));
            else
                throw new IllegalArgumentException("unknown option " + a);
        }
        KvGridNode node = KvGrid.start(KvGrid.embeddedConfiguration(args[3], cfg, Integer.parseInt(args[0]),
            Integer.parseInt(args[1])).setConsistentId(args[3]));
        System.out.println("READY " + node.ignite().cluster().localNode().attribute("clientListenerPort"));
        System.out.flush();
        while (System.in.read() >= 0) {
            // the parent holds our stdin open while it wants us
        }
        node.close();
    }

    private static String value(String option) {
        return option.substring(option.indexOf('=') + 1);
    }
}
