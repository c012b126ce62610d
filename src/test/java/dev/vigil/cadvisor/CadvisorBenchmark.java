package dev.vigil.cadvisor;

import java.io.ByteArrayInputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Cost of one cAdvisor poll with hundreds of containers: the real cAdvisor exposition of one container (all its
 * families) repeated for N containers, read by {@link CadvisorResponse} and followed by {@link ContainerTracker}.
 * Prints time and bytes allocated per poll. Run: see README, "Benchmark".
 */
public final class CadvisorBenchmark {
    public static void main(String[] args) throws Exception {
        String one = Files.readString(Path.of(CadvisorBenchmark.class.getResource("/cadvisor/prometheus_metrics").toURI()));
        for (int containers : new int[] {100, 500, 2000}) {
            StringBuilder body = new StringBuilder();
            for (int i = 0; i < containers; i++) {
                body.append(one.replace("testcontainer", "container-" + i));
            }
            byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
            var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long tid = Thread.currentThread().getId();
            ContainerTracker tracker = new ContainerTracker(3_600_000);
            for (int i = 0; i < 20; i++) {
                poll(bytes, tracker);
            }
            int n = 30;
            long[] ns = new long[n];
            long allocated = 0;
            for (int i = 0; i < n; i++) {
                long a0 = threads.getThreadAllocatedBytes(tid);
                long t0 = System.nanoTime();
                poll(bytes, tracker);
                ns[i] = System.nanoTime() - t0;
                allocated += threads.getThreadAllocatedBytes(tid) - a0;
            }
            Arrays.sort(ns);
            System.out.printf("%5d containers, %6.1f MB response: median %6.1f ms per poll, %6.1f MB allocated per poll,"
                + " %d containers tracked%n", containers, bytes.length / 1e6, ns[n / 2] / 1e6, allocated / (double) n / 1e6,
                tracker.tracked());
        }
    }

    private static void poll(byte[] bytes, ContainerTracker tracker) throws Exception {
        CadvisorResponse r = CadvisorResponse.read(new ByteArrayInputStream(bytes), Long.MAX_VALUE, 50_000);
        tracker.observe(r.cgroups.values().stream().filter(CgroupStats::isContainer).toList(), System.currentTimeMillis());
    }
}
