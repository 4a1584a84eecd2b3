package io.kvgrid;

/**
 * Outcome of {@code removeAll} / {@code removeByRegex}: blocks removed, and blocks skipped because they were
 * leased (only when the call was not forced).
 *
 * <pre>{@code
 * RemoveResult r = store.removeByRegex("^req-42/.*", false);
 * System.out.println(r.removed() + " removed, " + r.skipped() + " still leased");
 * }</pre>
 */
public record RemoveResult(long removed, long skipped) {
}
