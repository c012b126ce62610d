package dev.vigil.etcd;

import dev.vigil.it.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;

/**
 * A file system whose write IOPS a test can limit for chosen processes: an ext4 on a loop device, and a cgroup that
 * throttles writes to that device (cgroup v2 {@code io.max wiops}, else cgroup v1
 * {@code blkio.throttle.write_iops_device}). fsync writes its blocks in the caller's context, so a process in the
 * cgroup sees every fsync wait for the limit while everyone else's I/O is untouched.
 *
 * <p>Needs root, losetup, mkfs.ext4 and a throttling cgroup controller; where one is missing {@link #create} skips the
 * test with the reason (also under CI: a container without loop devices or writable cgroups is a limit of the machine,
 * not a failure of vigil). A dm-delay device would delay each I/O by a fixed time; this kernel has no device-mapper,
 * and the cgroup limit needs none. {@link #close()} undoes every step that was done, in reverse.
 */
final class SlowDisk implements AutoCloseable {
    private static final Duration TOOL = Duration.ofSeconds(60);
    private final List<Step> undo = new ArrayList<>();
    private final Path mount;
    private String device;
    private String majorMinor;
    private Path cgroup;
    private boolean v2;

    private interface Step {
        void run() throws Exception;
    }

    private SlowDisk(Path dir) {
        this.mount = dir.resolve("mnt");
    }

    /** Builds the device under {@code dir}, or skips the calling test with the reason it cannot. */
    static SlowDisk create(Path dir) throws Exception {
        String why = impossible();
        if (why != null) {
            System.err.println("SlowDisk: skipped: " + why);
            Assumptions.assumeTrue(false, why);
        }
        SlowDisk d = new SlowDisk(dir);
        try {
            d.build(dir);
            return d;
        } catch (Exception | AssertionError e) {
            d.close();
            throw e;
        }
    }

    private static String impossible() throws Exception {
        if (!"0".equals(Tools.exec(TOOL, "id", "-u").output().trim())) {
            return "a slowed device needs root (loop device, mount, cgroup)";
        }
        for (String tool : List.of("losetup", "mkfs.ext4", "mount", "umount")) {
            if (Tools.find(tool).isEmpty()) {
                return tool + " not found";
            }
        }
        if (!Files.exists(Path.of("/dev/loop-control"))) {
            return "no loop devices (/dev/loop-control missing)";
        }
        if (v2Root() == null && !Files.exists(Path.of("/sys/fs/cgroup/blkio/blkio.throttle.write_iops_device"))) {
            return "no cgroup I/O throttling: neither cgroup v2 with the io controller nor cgroup v1 blkio";
        }
        return null;
    }

    private static Path v2Root() throws IOException {
        Path root = Path.of("/sys/fs/cgroup");
        Path controllers = root.resolve("cgroup.controllers");
        return Files.exists(controllers) && Files.readString(controllers).contains("io") ? root : null;
    }

    private void build(Path dir) throws Exception {
        Path image = dir.resolve("disk.img");
        try (var f = new java.io.RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(256L << 20);
        }
        device = ok(Tools.exec(TOOL, Tools.find("losetup").get(), "-f", "--show", image.toString())).trim();
        undo.add(() -> Tools.exec(TOOL, Tools.find("losetup").get(), "-d", device));
        ok(Tools.exec(TOOL, Tools.find("mkfs.ext4").get(), "-q", device));
        Files.createDirectories(mount);
        ok(Tools.exec(TOOL, Tools.find("mount").get(), device, mount.toString()));
        undo.add(() -> Tools.exec(TOOL, Tools.find("umount").get(), mount.toString()));
        majorMinor = Files.readString(Path.of("/sys/block", Path.of(device).getFileName().toString(), "dev")).trim();
        String name = "vigil-it-" + UUID.randomUUID().toString().substring(0, 8);
        Path v2root = v2Root();
        if (v2root != null) {
            v2 = true;
            Files.writeString(v2root.resolve("cgroup.subtree_control"), "+io");
            cgroup = Files.createDirectory(v2root.resolve(name));
        } else {
            cgroup = Files.createDirectory(Path.of("/sys/fs/cgroup/blkio", name));
        }
        undo.add(() -> Files.delete(cgroup));
    }

    private static String ok(Tools.Exec e) {
        if (e.code() != 0) {
            throw new AssertionError("exit " + e.code() + ": " + e.output());
        }
        return e.output();
    }

    /** Where the slowed file system is mounted. */
    Path mount() {
        return mount;
    }

    /** Moves a process (all its threads) into the throttled cgroup. */
    void admit(long pid) throws IOException {
        Files.writeString(cgroup.resolve("cgroup.procs"), Long.toString(pid));
    }

    /** Limits the write operations per second of admitted processes on the device; 0 lifts the limit. */
    void limitWriteIops(int iops) throws IOException {
        if (v2) {
            Files.writeString(cgroup.resolve("io.max"), majorMinor + " wiops=" + (iops > 0 ? iops : "max"));
        } else {
            Files.writeString(cgroup.resolve("blkio.throttle.write_iops_device"), majorMinor + " " + iops);
        }
    }

    /** Undoes what was done; the admitted processes must have ended (a cgroup with processes cannot go). */
    @Override
    public void close() throws Exception {
        Exception first = null;
        for (int i = undo.size() - 1; i >= 0; i--) {
            try {
                undo.get(i).run();
            } catch (Exception e) {
                first = first == null ? e : first;
            }
        }
        undo.clear();
        if (first != null) {
            throw first;
        }
    }
}
