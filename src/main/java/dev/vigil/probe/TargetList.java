package dev.vigil.probe;

import dev.vigil.config.Section;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The targets a kind reads from its section. Refuses a second target with the same name, reporting it at the
 * entry that repeats it, since two targets with one name would export one series twice.
 */
public final class TargetList {
    private final List<Target> targets = new ArrayList<>();
    private final Set<String> names = new HashSet<>();

    public void add(Section entry, Target target) {
        if (!names.add(target.name())) {
            entry.error("", "target \"" + target.name() + "\" is configured twice (give one of them a distinct name)");
            return;
        }
        targets.add(target);
    }

    public List<Target> toList() {
        return List.copyOf(targets);
    }
}
