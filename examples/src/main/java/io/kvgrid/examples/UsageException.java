package io.kvgrid.examples;

/**
 * A command line the command cannot run: the message says what is wrong, naming the flag. Exit status 2. A bad
 * flag points to {@code --help}; a {@code --connect} that reaches no kvgrid cluster does not, as help would not fix it.
 */
final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final boolean pointsToHelp;

    UsageException(String message) {
        this(message, true);
    }

    private UsageException(String message, boolean pointsToHelp) {
        super(message);
        this.pointsToHelp = pointsToHelp;
    }

    /** A flag that is well formed but names something unusable (an unreachable cluster). */
    static UsageException unusable(String message) {
        return new UsageException(message, false);
    }

    boolean pointsToHelp() {
        return pointsToHelp;
    }
}
