package dev.vigil.config;

import java.nio.file.Path;

/**
 * Every host path the agent reads goes through here, so that {@code --path.rootfs=/host} lets a containerised agent
 * (or a test) read the host's files under a prefix, as node_exporter's {@code --path.rootfs} does.
 */
public record HostPaths(Path rootfs) {
    public static final HostPaths HOST = new HostPaths(Path.of("/"));

    public static HostPaths of(String rootfs) {
        return rootfs == null || rootfs.isEmpty() ? HOST : new HostPaths(Path.of(rootfs).toAbsolutePath().normalize());
    }

    /** The path to open for a host path as written in the configuration. Relative paths are left as they are. */
    public Path resolve(String hostPath) {
        Path p = Path.of(hostPath);
        if (!p.isAbsolute() || rootfs.equals(Path.of("/"))) {
            return p;
        }
        return rootfs.resolve(p.getRoot().relativize(p));
    }
}
