package io.kvgrid.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free port ranges on 127.0.0.1, picked at random from 12000 up to the kernel's ephemeral ports (32768 on Linux by
 * default), so test JVMs running side by side (other modules, other engineers' builds) do not join each other's
 * clusters, and no outgoing connection is handed a port of the range between the check here and a node binding it.
 * Ignite's own default ports (10800, 47100, 47500 and up) are outside it.
 */
public final class LoopbackPorts {
    private LoopbackPorts() {
    }

    /**
     * First port of {@code n} consecutive ports that are free now, as are the same ports shifted by each of
     * {@code alsoAt} (JGroups' FD_SOCK2, for one, listens 100 above its transport port).
     */
    public static int freeRange(int n, int... alsoAt) {
        // Below the ephemeral ports where the kernel leaves room for that; 40000 at most either way.
        int top = EPHEMERAL_FROM > FROM + 10_000 ? Math.min(EPHEMERAL_FROM, 40_000) : 40_000;
        for (int attempt = 0; attempt < 200; attempt++) {
            int base = FROM + ThreadLocalRandom.current().nextInt(top - FROM - n - maxShift(alsoAt));
            boolean free = true;
            for (int p = base; p < base + n && free; p++) {
                free = isFree(p);
                for (int i = 0; i < alsoAt.length && free; i++)
                    free = isFree(p + alsoAt[i]);
            }
            if (free)
                return base;
        }
        throw new IllegalStateException("no free range of " + n + " ports on 127.0.0.1");
    }

    private static final int FROM = 12_000;
    /** The first port the kernel hands to outgoing connections. */
    private static final int EPHEMERAL_FROM = ephemeralFrom();

    private static int ephemeralFrom() {
        try {
            String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
            return Integer.parseInt(range.split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 32_768; // Linux's default; other systems start theirs higher
        }
    }

    private static int maxShift(int[] alsoAt) {
        int max = 0;
        for (int a : alsoAt)
            max = Math.max(max, a);
        return max;
    }

    private static boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
