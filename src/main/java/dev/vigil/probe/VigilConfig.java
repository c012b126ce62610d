package dev.vigil.probe;

import java.util.List;

/**
 * A loaded, validated configuration: immutable, so a reload swaps it whole.
 *
 * @param source              the file it came from ({@code <embedded>} for the built-in default)
 * @param defaults            the timing every target inherits unless it sets its own
 * @param maxConcurrentProbes how many probe runs may be in flight at once, over all kinds
 * @param targets             every target of every kind, in file order
 */
public record VigilConfig(String source, Timing defaults, int maxConcurrentProbes, List<Target> targets) {
    public VigilConfig {
        targets = List.copyOf(targets);
    }
}
