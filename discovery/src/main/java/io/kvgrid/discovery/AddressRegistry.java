package io.kvgrid.discovery;

import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.Event;
import org.jgroups.JChannel;
import org.jgroups.Message;
import org.jgroups.Receiver;
import org.jgroups.View;
import org.jgroups.blocks.MessageDispatcher;
import org.jgroups.blocks.RequestHandler;
import org.jgroups.blocks.RequestOptions;
import org.jgroups.PhysicalAddress;
import org.jgroups.protocols.BasicTCP;
import org.jgroups.protocols.Discovery;
import org.jgroups.protocols.PingData;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.stack.IpAddress;
import org.jgroups.stack.ProtocolStack;
import org.jgroups.util.Responses;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * One JGroups channel and the replicated map "member -> Ignite discovery addresses it published". Each member owns
 * its entry and multicasts it in full (with a version, so a late older copy never wins) when it changes and whenever
 * new members join; an entry disappears with its member's view. Registration waits until every live member has
 * applied it, which gives Ignite the guarantee it expects of a shared IP finder: of two nodes starting at the same
 * time, at least one sees the other.
 */
final class AddressRegistry implements RequestHandler, Receiver, AutoCloseable {
    /** {@code channels} makes a fresh, unconnected channel on the configured stack. */
    record Settings(String clusterName, Callable<JChannel> channels, long syncTimeoutMillis) {
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
    /** Set once connected and merged: until then this member keeps even its empty entry to itself (see viewAccepted). */
    private boolean started;

    private AddressRegistry(Settings settings) throws Exception {
        this.settings = settings;
        this.channel = settings.channels().call();
        this.dispatcher = new MessageDispatcher(channel, this).setReceiver(this);
    }

    static AddressRegistry start(Settings settings) throws Exception {
        AddressRegistry r = new AddressRegistry(settings);
        try {
            long connecting = System.nanoTime();
            r.channel.connect(settings.clusterName());
            r.awaitMerge(connecting);
            synchronized (r) {
                r.started = true;
            }
            r.announce(false);
        } catch (Exception | Error e) {
            r.close();
            throw e;
        }
        return r;
    }

    /**
     * Members that start at the same instant can each miss the others and found a JGroups cluster of their own;
     * MERGE3 unites them a moment later, but Ignite, asking this finder for peers meanwhile, would found a cluster of
     * its own and never merge it. So a member that founded its cluster runs its stack's discovery protocol again
     * (TCPPING, PING, FILE_PING, DNS_PING ... whatever the stack has): if a live member outside its view answers, it
     * waits (at most {@link #MERGE_WAIT_MILLIS}) until a merge has brought members into its view, asking again every
     * {@link #RETRY_MILLIS} in case the others went away.
     *
     * <p>It keeps asking until GMS's join_timeout has passed since it began to connect, even once members joined it:
     * join_timeout is how long a member looks for others before founding. Network discovery spends that time in
     * connect() already; FILE_PING does not: it founds as soon as it reads an empty directory, and with
     * remove_all_data_on_view_change a member founded alongside deletes this one's file (and this one, when a member
     * joins it, that one's), so the look right after connecting can miss a concurrent founder that a later look finds.
     */
    private void awaitMerge(long connecting) throws InterruptedException {
        synchronized (this) {
            if (view != null && view.size() > 1)
                return;   // joined an existing member, which did (or does) this wait itself
        }
        GMS gms = channel.getProtocolStack().findProtocol(GMS.class);
        long settled = connecting + (gms != null ? gms.getJoinTimeout() * 1_000_000L : 0);
        long deadline = System.nanoTime() + MERGE_WAIT_MILLIS * 1_000_000L;
        int waitingFrom = 0;   // view size when someone outside it answered; 0: nobody did yet
        while (System.nanoTime() < deadline) {
            synchronized (this) {
                if (waitingFrom > 0 && view != null && view.size() > waitingFrom)
                    return;   // merged
            }
            if (othersOutThere()) {
                synchronized (this) {
                    if (waitingFrom == 0)
                        waitingFrom = view == null ? 1 : view.size();
                }
            } else if (System.nanoTime() - settled >= 0) {
                return;
            }
            synchronized (this) {
                wait(RETRY_MILLIS);
            }
        }
    }

    /**
     * Whether the stack's discovery protocol finds a member outside this one's view. Over a TCP transport an answer
     * only counts if its address accepts connections: FILE_PING, for one, reads the files of members that crashed.
     */
    private boolean othersOutThere() throws InterruptedException {
        ProtocolStack stack = channel.getProtocolStack();
        Discovery discovery = stack.findProtocol(Discovery.class);
        if (discovery == null)
            return false;
        Responses answers = discovery.findMembers(null, false, false, 0);
        try {
            answers.waitFor(PROBE_MILLIS);
        } finally {
            answers.done();
        }
        boolean tcp = stack.getTransport() instanceof BasicTCP;
        Address self = channel.getAddress();
        View v;
        synchronized (this) {
            v = view;
        }
        // FILE_PING may list a killed member whose port a member of this view (this one, restarted, for one) has
        // taken since: not someone else.
        Set<Object> taken = new HashSet<>();
        taken.add(stack.getTransport().localPhysicalAddress());
        if (v != null)
            for (Address m : v.getMembers())
                taken.add(channel.down(new Event(Event.GET_PHYSICAL_ADDRESS, m)));
        for (PingData p : answers) {
            Address a = p.getAddress();
            if (a == null || a.equals(self) || v != null && v.containsMember(a) || taken.contains(p.getPhysicalAddr()))
                continue;
            if (!tcp || accepts(p.getPhysicalAddr()))
                return true;
        }
        return false;
    }

    private static boolean accepts(PhysicalAddress addr) {
        if (!(addr instanceof IpAddress ip))
            return true;
        try (Socket sock = new Socket()) {
            sock.connect(new InetSocketAddress(ip.getIpAddress(), ip.getPort()), 200);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }

    /** Longest wait for members that started alone to merge. */
    private static final long MERGE_WAIT_MILLIS = 30_000;
    /** How long one discovery round collects answers. */
    private static final long PROBE_MILLIS = 300;
    /** Pause between discovery rounds while waiting. */
    private static final long RETRY_MILLIS = 200;

    /** The protocols this member runs (for inspection: which discovery protocol, with which settings). */
    ProtocolStack protocolStack() {
        return channel.getProtocolStack();
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
            joined = started && !before.containsAll(v.getMembers());
            view = v;
            published.keySet().retainAll(v.getMembers());
            notifyAll();
        }
        // Newcomers know nothing yet: tell them (asynchronously, never block the view thread). A member still in
        // start() stays silent: a joiner's lookup then waits for it to finish its merge wait, instead of taking its
        // empty entry for "nothing else out there" and founding an Ignite cluster of its own. start() announces.
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
