package dev.vigil.metrics;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** Version and git revision stamped into the jar by the build ({@code vigil-build.properties}). */
public record BuildInfo(String version, String revision, String javaVersion) {

    public static BuildInfo current() {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream("/vigil-build.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // a jar without the stamp still runs; it reports "unknown"
        }
        return new BuildInfo(clean(p.getProperty("version")), clean(p.getProperty("revision")),
            System.getProperty("java.version", "unknown"));
    }

    private static String clean(String v) {
        return v == null || v.isBlank() || v.startsWith("${") ? "unknown" : v.trim();
    }
}
