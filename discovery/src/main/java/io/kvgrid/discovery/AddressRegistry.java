package io.kvgrid.discovery;

import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.JChannel;
import org.jgroups.Message;
import org.jgroups.Receiver;
import org.jgroups.View;
import org.jgroups.blocks.MessageDispatcher;
import org.jgroups.blocks.RequestHandler;
import org.jgroups.blocks.RequestOptions;
import org.jgroups.protocols.BARRIER;
import org.jgroups.protocols.FD_ALL3;
import org.jgroups.protocols.FD_SOCK2;
import org.jgroups.protocols.FRAG4;
import org.jgroups.protocols.MERGE3;
import org.jgroups.protocols.MFC;
import org.jgroups.protocols.TCP;
import org.jgroups.protocols.TCPPING;
import org.jgroups.protocols.UFC;
import org.jgroups.protocols.UNICAST3;
import org.jgroups.protocols.VERIFY_SUSPECT2;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.pbcast.NAKACK2;
import org.jgroups.protocols.pbcast.STABLE;
import org.jgroups.stack.Protocol;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One JGroups channel and the replicated map "member -> Ignite discovery addresses it published". Each member owns
 * its entry and multicasts it in full (with a version, so a late older copy never wins) when it changes and whenever
 * new members join; an entry disappears with its member's view. Registration waits until every live member has
 * applied it, which gives Ignite the guarantee it expects of a shared IP finder: of two nodes starting at the same
 * time, at least one sees the other.
 */
final class AddressRegistry implements RequestHandler, Receiver, AutoCloseable {
    record Settings(String clusterName, InetAddress bindAddress, int bindPort, int portRange,
                    List<InetSocketAddress> initialHosts, long joinTimeoutMillis, long syncTimeoutMillis) {
    }

    private record Entry(long version, Set<InetSocketAddress> addresses) {
    }

    private final Settings settings;
    private final JChannel channel;
    private final MessageDispatcher dispatcher;
    private final Map<Address, Entry> published = new HashMap<>();
    private final Set<InetSocketAddress> own = new LinkedHashSet<>();
    private long ownVersion;
    private View view;

    private AddressRegistry(Settings settings) throws Exception {
        this.settings = settings;
        this.channel = new JChannel(stack(settings));
        this.dispatcher = new MessageDispatcher(channel, this).setReceiver(this);
    }

    static AddressRegistry start(Settings settings) throws Exception {
        AddressRegistry r = new AddressRegistry(settings);
        try {
            r.channel.connect(settings.clusterName());
            r.awaitMergeIfAlone();
            r.announce(false);
        } catch (Exception | Error e) {
            r.close();
            throw e;
        }
        return r;
    }

    /**
     * Members that start at the same instant can each miss the others' answers and found a JGroups cluster alone;
     * MERGE3 unites them a moment later, but Ignite, asking this finder for peers meanwhile, would found a cluster of
     * its own and never merge it. So a member that finds itself alone checks whether any other JGroups port it would
     * have contacted is listening: if none is, it is the first member and goes on at once; if one is, it waits for
     * the merge (at most {@link #MERGE_WAIT_MILLIS}).
     */
    private void awaitMergeIfAlone() throws InterruptedException {
        long deadline = System.nanoTime() + MERGE_WAIT_MILLIS * 1_000_000L;
        int own = ((org.jgroups.stack.IpAddress) channel.getProtocolStack().getTransport().localPhysicalAddress())
            .getPort();
        while (System.nanoTime() < deadline) {
            synchronized (this) {
                if (view != null && view.size() > 1)
                    return;
            }
            if (!anotherPeerListening(own))
                return;
            synchronized (this) {
                wait(200);
            }
        }
    }

    /** Whether a TCP port of the initial hosts' ranges other than this member's own accepts connections. */
    private boolean anotherPeerListening(int ownPort) {
        for (InetSocketAddress h : settings.initialHosts()) {
            for (int port = h.getPort(); port <= h.getPort() + settings.portRange() && port <= 65535; port++) {
                if (port == ownPort && h.getAddress() != null && (h.getAddress().equals(settings.bindAddress())
                    || h.getAddress().isLoopbackAddress() && settings.bindAddress().isLoopbackAddress()))
                    continue;
                try (java.net.Socket sock = new java.net.Socket()) {
                    sock.connect(new InetSocketAddress(h.getAddress(), port), 200);
                    return true;
                } catch (java.io.IOException refused) {
                    // nobody there
                }
            }
        }
        return false;
    }

    /** Longest wait for members that started alone to merge. */
    private static final long MERGE_WAIT_MILLIS = 30_000;
    /** MERGE3's check intervals: short, so that members that started alone merge within seconds. */
    private static final long MERGE_MIN_INTERVAL_MILLIS = 500;
    private static final long MERGE_MAX_INTERVAL_MILLIS = 1_500;

    private static List<Protocol> stack(Settings s) {
        List<Protocol> p = new ArrayList<>();
        p.add(new TCP().setBindAddress(s.bindAddress()).setBindPort(s.bindPort()).setPortRange(s.portRange()));
        TCPPING ping = new TCPPING();
        ping.setInitialHosts(s.initialHosts());
        ping.setPortRange(s.portRange());
        p.add(ping);
        p.add(new MERGE3().setMinInterval(MERGE_MIN_INTERVAL_MILLIS).setMaxInterval(MERGE_MAX_INTERVAL_MILLIS));
        p.add(new FD_SOCK2().setBindAddress(s.bindAddress()));
        p.add(new FD_ALL3());
        p.add(new VERIFY_SUSPECT2());
        p.add(new BARRIER());
        p.add(new NAKACK2());
        p.add(new UNICAST3());
        p.add(new STABLE());
        p.add(new GMS().setJoinTimeout(s.joinTimeoutMillis()).printLocalAddress(false));
        p.add(new MFC());
        p.add(new UFC());
        p.add(new FRAG4());
        return p;
    }

    /** The JGroups address of this member. */
    Address localMember() {
        return channel.getAddress();
    }

    /** Members of the current view. */
    synchronized List<Address> members() {
        return view == null ? List.of() : view.getMembers();
    }

    /**
     * Union of what live members published. Waits (at most the sync timeout) until every member of the current view
     * has published at least once, so a node that just joined the channel does not take the grid for empty.
     */
    synchronized Set<InetSocketAddress> addresses() throws InterruptedException {
        long deadline = System.nanoTime() + settings.syncTimeoutMillis() * 1_000_000L;
        while (!allMembersPublished()) {
            long left = deadline - System.nanoTime();
            if (left <= 0)
                break;
            wait(Math.max(1, left / 1_000_000L));
        }
        Set<InetSocketAddress> all = new LinkedHashSet<>(own);
        for (Entry e : published.values())
            all.addAll(e.addresses());
        return all;
    }

    private boolean allMembersPublished() {
        if (view == null)
            return false;
        Address self = channel.getAddress();
        for (Address m : view.getMembers())
            if (!m.equals(self) && !published.containsKey(m))
                return false;
        return true;
    }

    /** Publishes {@code addrs} as this member's own: they stay registered exactly as long as this member lives. */
    void registerOwn(Collection<InetSocketAddress> addrs) throws Exception {
        boolean changed;
        synchronized (this) {
            changed = own.addAll(addrs);
        }
        if (changed)
            announce(true);
    }

    /**
     * Publishes those of {@code addrs} that no other live member publishes. Ignite's coordinator registers every
     * joining node's addresses; those nodes publish them themselves, and copying them here would keep them alive
     * after their node has left.
     */
    void registerMissing(Collection<InetSocketAddress> addrs) throws Exception {
        List<InetSocketAddress> missing = new ArrayList<>();
        synchronized (this) {
            for (InetSocketAddress a : addrs)
                if (published.values().stream().noneMatch(e -> e.addresses().contains(a)))
                    missing.add(a);
        }
        registerOwn(missing);
    }

    void unregister(Collection<InetSocketAddress> addrs) throws Exception {
        synchronized (this) {
            own.removeAll(addrs);
            forgetEverywhere(addrs);
        }
        Message m = new BytesMessage(null, AddressCodec.encode(AddressCodec.FORGET, 0, addrs));
        dispatcher.castMessage(null, m, RequestOptions.SYNC().timeout(settings.syncTimeoutMillis()));
        announce(true);
    }

    private void announce(boolean sync) throws Exception {
        byte[] body;
        synchronized (this) {
            body = AddressCodec.encode(AddressCodec.ANNOUNCE, ++ownVersion, own);
        }
        RequestOptions opts = sync ? RequestOptions.SYNC().timeout(settings.syncTimeoutMillis()) : RequestOptions.ASYNC();
        dispatcher.castMessage(null, new BytesMessage(null, body), opts);
    }

    private void forgetEverywhere(Collection<InetSocketAddress> addrs) {
        for (Map.Entry<Address, Entry> e : published.entrySet()) {
            Set<InetSocketAddress> left = new LinkedHashSet<>(e.getValue().addresses());
            if (left.removeAll(addrs))
                e.setValue(new Entry(e.getValue().version(), left));
        }
    }

    @Override
    public Object handle(Message msg) throws IOException {
        AddressCodec.Decoded d = AddressCodec.decode(msg.getArray(), msg.getOffset(), msg.getLength());
        Address from = msg.getSrc();
        boolean reannounce = false;
        synchronized (this) {
            if (d.kind() == AddressCodec.ANNOUNCE) {
                if (from.equals(channel.getAddress()))
                    return null;   // our own entry is `own`
                Entry cur = published.get(from);
                if (cur == null || cur.version() < d.version())
                    published.put(from, new Entry(d.version(), d.addresses()));
            } else {
                forgetEverywhere(d.addresses());
                reannounce = own.removeAll(d.addresses());
            }
            notifyAll();
        }
        if (reannounce)
            sendQuietly();
        return null;
    }

    @Override
    public void viewAccepted(View v) {
        boolean joined;
        synchronized (this) {
            Set<Address> before = view == null ? Set.of() : new HashSet<>(view.getMembers());
            joined = !before.containsAll(v.getMembers());
            view = v;
            published.keySet().retainAll(v.getMembers());
            notifyAll();
        }
        // Newcomers know nothing yet: tell them (asynchronously, never block the view thread).
        if (joined)
            sendQuietly();
    }

    private void sendQuietly() {
        try {
            announce(false);
        } catch (Exception e) {
            // The channel is closing; the entry goes with this member's view anyway.
            org.slf4j.LoggerFactory.getLogger(AddressRegistry.class).debug("address registry update skipped: {}",
                e.toString());
        }
    }

    @Override
    public void close() {
        try {
            dispatcher.stop();
        } finally {
            channel.close();
        }
    }
}
