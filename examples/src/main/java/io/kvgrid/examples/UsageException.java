package io.kvgrid.examples;

/** A command line the command cannot run: the message says what is wrong, naming the flag. Exit status 2. */
final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}
