package io.kvgrid.examples;

import java.util.HashMap;
import java.util.Map;

/**
 * Strict LRU over block ids with the replay's rules: a request hits its longest prefix of cached blocks, every cached
 * block it names is touched (a lookup leases and touches all it finds), and every block after the prefix is dumped,
 * evicting the least recently used block while more than {@code capacity} are held. The reference the bounded replay
 * is compared with.
 */
final class LruSimulator {
    private final long capacity;
    private final Map<Long, Node> map = new HashMap<>();
    private final Node head = new Node(0);   // sentinel: head.next is least recent, head.prev most recent
    private long evictions;

    LruSimulator(long capacity) {
        if (capacity < 1)
            throw new IllegalArgumentException("capacity must be positive, was " + capacity);
        this.capacity = capacity;
        head.next = head;
        head.prev = head;
    }

    /** Replays one request; returns its hit blocks. */
    int access(long[] ids) {
        int hit = 0;
        while (hit < ids.length && map.containsKey(ids[hit]))
            hit++;
        for (long id : ids) {
            Node n = map.get(id);
            if (n != null)
                moveToRecent(n);
        }
        for (int i = hit; i < ids.length; i++) {
            if (map.containsKey(ids[i]))
                continue;
            Node n = new Node(ids[i]);
            map.put(ids[i], n);
            link(n);
            while (map.size() > capacity) {
                Node old = head.next;
                unlink(old);
                map.remove(old.id);
                evictions++;
            }
        }
        return hit;
    }

    long evictions() {
        return evictions;
    }

    private void moveToRecent(Node n) {
        unlink(n);
        link(n);
    }

    private void link(Node n) {
        n.prev = head.prev;
        n.next = head;
        head.prev.next = n;
        head.prev = n;
    }

    private static void unlink(Node n) {
        n.prev.next = n.next;
        n.next.prev = n.prev;
    }

    private static final class Node {
        final long id;
        Node prev;
        Node next;

        Node(long id) {
            this.id = id;
        }
    }
}
