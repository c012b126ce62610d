package dev.vigil.cadvisor;

/**
 * What one poll says about one cgroup ({@code id}), gathered from the series of the response. Mutable while the
 * response is read, then only read.
 */
final class CgroupStats {
    final String id;
    String name = "";
    String image = "";
    String container = "";
    String pod = "";
    String namespace = "";
    double workingSetBytes = Double.NaN;
    double memoryLimitBytes = Double.NaN;
    double cpuSecondsSum;
    double cpuSecondsTotalLabel = Double.NaN;
    boolean hasCpu;
    double throttledPeriods = Double.NaN;
    double periods = Double.NaN;
    double oomEvents = Double.NaN;
    double startTimeSeconds = Double.NaN;

    CgroupStats(String id) {
        this.id = id;
    }

    /** CPU seconds: the {@code cpu="total"} series where cAdvisor writes one, else the sum over CPUs. */
    double cpuSeconds() {
        return Double.isNaN(cpuSecondsTotalLabel) ? cpuSecondsSum : cpuSecondsTotalLabel;
    }

    /**
     * A real container, as opposed to a cgroup of the hierarchy (the root, a pod's own cgroup, a systemd slice) or a
     * pod sandbox ("POD" / pause).
     */
    boolean isContainer() {
        if (image.isEmpty()) {
            return false;
        }
        if (!pod.isEmpty()) {
            return !container.isEmpty() && !container.equals("POD");
        }
        return !container.isEmpty() || !name.isEmpty();
    }

    /** The container across restarts: namespace/pod/container in Kubernetes, the name elsewhere. */
    String logicalKey() {
        if (!pod.isEmpty()) {
            return namespace + "/" + pod + "/" + container;
        }
        return displayName();
    }

    String displayName() {
        return container.isEmpty() ? name : container;
    }
}
