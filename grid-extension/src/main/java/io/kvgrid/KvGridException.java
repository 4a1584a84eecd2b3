package io.kvgrid;

/**
 * The one exception type of kvgrid: an {@link ErrorCode} and, where one argument was wrong, its name.
 *
 * <pre>{@code
 * try {
 *     store.getInto("blk-1", ByteBuffer.allocate(16));
 * } catch (KvGridException e) {
 *     assert e.code() == ErrorCode.BUFFER_TOO_SMALL && e.argument().equals("buffer");
 * }
 * }</pre>
 */
public class KvGridException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private final String argument;
    private final String detail;

    public KvGridException(ErrorCode code, String message) {
        this(code, null, message, null);
    }

    public KvGridException(ErrorCode code, String argument, String message) {
        this(code, argument, message, null);
    }

    public KvGridException(ErrorCode code, String argument, String message, Throwable cause) {
        super(code + (argument == null ? "" : " [" + argument + "]") + ": " + message, cause);
        this.code = code;
        this.argument = argument;
        this.detail = message;
    }

    /** What went wrong. */
    public ErrorCode code() {
        return code;
    }

    /** The message without the code and argument that {@link #getMessage()} starts with. */
    public String detail() {
        return detail;
    }

    /** The name of the offending argument or configuration property, or {@code null}. */
    public String argument() {
        return argument;
    }
}
