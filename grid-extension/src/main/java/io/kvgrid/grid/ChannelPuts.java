package io.kvgrid.grid;

import io.kvgrid.ClientRole;
import io.kvgrid.KeyResult;
import io.kvgrid.KvGridException;
import org.apache.ignite.Ignite;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The block channel's writes ({@link BlockChannelWire#PUT}) on a server node: checked, bounded in bytes and in time,
 * then run through this node's store as writes of its own. One per {@link BlockChannelServer}.
 */
final class ChannelPuts {
    /** The server's budget of PUT payload bytes held at once ({@link BlockChannelServer#PUT_BUDGET}). */
    private final ByteBudget budget;

    ChannelPuts(ByteBudget budget) {
        this.budget = budget;
    }

    /**
     * Answers a PUT: its payloads are read under the node's {@link BlockChannelServer#PUT_BUDGET} (a request larger
     * than the budget, or one that cannot get its share within the write deadline, is refused before its payloads are
     * read, and the connection closed: the client writes those blocks its usual way), then written through this node's
     * store as a write of its own (room reserved, both steps, every copy), and each key answered in order. The budget
     * is given back before the answers are written. A caller without the write role gets FORBIDDEN for each key, its
     * payloads read past without being kept or counted. {@code step} watches the reading of the header and keys, and
     * the writing of the answers ({@link StallGuard}).
     */
    void store(Ignite ignite, Socket s, DataInputStream in, ClientRole role, DataOutputStream out,
               java.util.function.Supplier<StallGuard.Watch> step) throws IOException {
        long t0 = System.nanoTime();
        KvGridRuntime rt = KvGridRuntime.of(ignite);
        if (rt == null)
            throw new BlockChannelWire.BadFrame("kvgrid is not running on this node");
        GridBlockStore store = rt.store();
        BlockChannelWire.PutHeader h;
        List<Integer> lengths = new java.util.ArrayList<>();
        List<String> keys;
        try (StallGuard.Watch ignored = step.get()) {
            h = BlockChannelWire.readPutHeader(in);
            keys = BlockChannelWire.readPutKeys(in, store.config().getMaxBlockBytes(), lengths);
        }
        long total = 0;
        for (int len : lengths)
            total += len;
        if (total > budget.total())
            throw new BlockChannelWire.BadFrame("a put of " + total + " bytes is more than this node takes at once ("
                + budget.total() + ")");
        long wait = store.config().getWriteDeadlineMillis();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(wait);
        KvGridException denied = KvGridSecurityProcessor.denial(role, ClientRole.WRITE, "put",
            "a block channel client certificate");
        if (denied != null) {
            readPayloads(s, in, lengths, deadline, false);
            try (StallGuard.Watch ignored = step.get()) {
                BlockChannelServer.failAll(keys.size(), denied, out);
                out.flush();
            }
            store.meters().serviceCall("channel-put", System.nanoTime() - t0);
            return;
        }
        try {
            if (!budget.take((int) total, wait))
                throw new BlockChannelWire.BadFrame("node " + ignite.cluster().localNode().consistentId() + " holds "
                    + (budget.total() >> 20) + " MiB of writes' payloads already and had no room "
                    + "for this put within " + wait + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("closing");
        }
        List<KeyResult<io.kvgrid.PutResult>> res = null;
        KvGridException failed = null;
        try {
            List<byte[]> payloads = readPayloads(s, in, lengths, deadline, true);
            try {
                res = write(ignite, store, keys, payloads, h);
            } catch (KvGridException e) {
                failed = e;
            } catch (RuntimeException e) {
                failed = Failures.wrap(e, "kvgrid block channel put");
            }
        } finally {
            budget.give((int) total); // before the answers: a client slow to read them holds no budget
        }
        try (StallGuard.Watch ignored = step.get()) {
            if (failed != null)
                BlockChannelServer.failAll(keys.size(), failed, out);
            else
                for (KeyResult<io.kvgrid.PutResult> r : res) {
                    if (r.ok())
                        BlockChannelWire.writeStored(out, r.value().existed(), r.value().replicas());
                    else
                        BlockChannelWire.writeFailure(out, r.error());
                }
            out.flush();
        } finally {
            store.meters().serviceCall("channel-put", System.nanoTime() - t0);
        }
    }

    /**
     * The payloads of a PUT, all in by {@code deadlineNanos} (the write deadline from the request's start), else the
     * connection is closed: a client trickling its bytes must not hold its share of the budget for long.
     * Without {@code keep} they are read past into a scratch buffer (none returned).
     */
    private static List<byte[]> readPayloads(Socket s, DataInputStream in, List<Integer> lengths, long deadlineNanos,
                                             boolean keep) throws IOException {
        List<byte[]> payloads = new java.util.ArrayList<>(lengths.size());
        byte[] scratch = keep ? null : new byte[64 << 10];
        try {
            for (int len : lengths) {
                byte[] b = keep ? new byte[len] : null;
                for (int off = 0; off < len; ) {
                    long left = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
                    if (left <= 0)
                        throw new java.net.SocketTimeoutException("a put's payloads took longer than the write deadline");
                    s.setSoTimeout((int) Math.min(left, BlockChannelServer.IDLE_MILLIS));
                    int n = keep ? in.read(b, off, Math.min(len - off, 1 << 20))
                        : in.read(scratch, 0, Math.min(len - off, scratch.length));
                    if (n < 0)
                        throw new java.io.EOFException("the client closed the connection inside a put's payload");
                    off += n;
                }
                if (keep)
                    payloads.add(b);
            }
        } finally {
            s.setSoTimeout(BlockChannelServer.IDLE_MILLIS);
        }
        return payloads;
    }

    private static List<KeyResult<io.kvgrid.PutResult>> write(Ignite ignite, GridBlockStore store, List<String> keys,
                                                              List<byte[]> payloads, BlockChannelWire.PutHeader h)
        throws KvGridException {
        Args.checkKeys(keys, "keys", true);
        io.kvgrid.PutOptions.Builder b = io.kvgrid.PutOptions.builder();
        if (h.replicas() != io.kvgrid.PutOptions.DEFAULT_REPLICAS)
            b.replicas(h.replicas());
        if (h.pin() == BlockChannelWire.PIN_HARD)
            b.hardPin();
        else if (h.pin() == BlockChannelWire.PIN_SOFT)
            b = h.softPinMillis() == 0 ? b.softPin() : b.softPin(java.time.Duration.ofMillis(h.softPinMillis()));
        if (h.preferredNode() != null)
            b.preferredNode(h.preferredNode());
        try (AutoCloseable ignored = KvGridSecurityProcessor.asNode(ignite)) {
            return store.write(keys, payloads, b.build(), h.replace(), h.writeId());
        } catch (KvGridException e) {
            throw e;
        } catch (Exception e) {
            throw Failures.wrap(e, "kvgrid block channel put");
        }
    }
}
