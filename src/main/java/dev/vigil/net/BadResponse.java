package dev.vigil.net;

/** An answer that is not what the component sends, or that is malformed: reason {@code bad_response}. */
public class BadResponse extends Exception {
    public BadResponse(String message) {
        super(message, null, false, false);
    }
}
