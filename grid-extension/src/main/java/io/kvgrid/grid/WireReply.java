package io.kvgrid.grid;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;

import java.util.List;
import java.util.UUID;

/**
 * The reply of a {@link KvGridService} call as it crosses the thin-client protocol (Ignite's binary format): an error
 * of the whole call, or per-key outcomes with the value columns the call fills. Internal wire type.
 */
public final class WireReply {
    /** Code of the error of the whole call ({@link ErrorCode} ordinal), or -1. */
    public int callCode = -1;
    public String callArg;
    public String callMessage;
    /** The node that served the call and its topology version then. */
    public UUID servedBy;
    public long topologyVersion;
    /** Some key of the call is not primary on the node that served it: the client's routing table is out of date. */
    public boolean routingStale;
    /** Per key: error code ordinal or -1, the error's argument and message. */
    public int[] codes;
    public String[] args;
    public String[] messages;
    public List<byte[]> payloads;
    public boolean[] flags;
    public long[] numbers;
    public List<WireMeta> metas;
    public List<String> strings;

    /**
     * This reply as it crosses the wire when it carries payloads: {this without them, payload 0, payload 1, ...}.
     * Ignite's binary format hashes every byte of a user object it writes ({@code BinaryArrayIdentityResolver}):
     * payloads inside a WireReply cost the server about 1 ms per MiB (65% of a thin-client 1 MiB get, JFR); a
     * {@code byte[]} element of the array is copied as is.
     */
    public Object[] payloadsApart() {
        List<byte[]> p = payloads;
        payloads = null;
        Object[] out = new Object[1 + (p == null ? 0 : p.size())];
        out[0] = this;
        for (int i = 1; i < out.length; i++)
            out[i] = p.get(i - 1);
        return out;
    }

    /** The reply {@link #payloadsApart} took apart, whole again; a failed call carries no payload list. */
    public static WireReply joined(Object[] parts) {
        WireReply r = (WireReply) parts[0];
        if (r.callCode < 0) {
            r.payloads = new java.util.ArrayList<>(parts.length - 1);
            for (int i = 1; i < parts.length; i++)
                r.payloads.add((byte[]) parts[i]);
        }
        return r;
    }

    /** The whole call failed with {@code e}. */
    public static WireReply failed(KvGridException e) {
        WireReply r = new WireReply();
        r.callCode = e.code().ordinal();
        r.callArg = e.argument();
        r.callMessage = e.detail();
        return r;
    }

    /** Room for per-key outcomes of {@code n} keys, all ok so far. */
    public WireReply perKey(int n) {
        codes = new int[n];
        args = new String[n];
        messages = new String[n];
        java.util.Arrays.fill(codes, -1);
        return this;
    }

    public void fail(int i, KvGridException e) {
        codes[i] = e.code().ordinal();
        args[i] = e.argument();
        messages[i] = e.detail();
    }

    /** The error of the whole call, or null. */
    public KvGridException callError() {
        return callCode < 0 ? null : error(callCode, callArg, callMessage);
    }

    /** The error of key {@code i}, or null. */
    public KvGridException error(int i) {
        return codes == null || codes[i] < 0 ? null : error(codes[i], args[i], messages[i]);
    }

    private static KvGridException error(int code, String arg, String message) {
        ErrorCode[] all = ErrorCode.values();
        return new KvGridException(code < all.length ? all[code] : ErrorCode.INTERNAL, arg, message);
    }
}
