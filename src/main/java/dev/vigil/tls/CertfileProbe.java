package dev.vigil.tls;

import dev.vigil.probe.FileGlob;
import dev.vigil.config.Secret;
import dev.vigil.config.HostPaths;
import dev.vigil.probe.Deadline;
import dev.vigil.probe.Probe;
import dev.vigil.probe.ProbeResult;
import dev.vigil.probe.Sample;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads every file a path or glob matches, every run, so renewed certificates show up without a restart. */
final class CertfileProbe implements Probe {
    static final long MAX_FILE_BYTES = 16L * 1024 * 1024;

    private final String target;
    private final CertfileKind.Spec spec;
    private final HostPaths hostPaths;
    private final FileGlob glob;

    CertfileProbe(String target, CertfileKind.Spec spec, HostPaths hostPaths) {
        this.target = target;
        this.spec = spec;
        this.hostPaths = hostPaths;
        this.glob = FileGlob.parse(spec.path());
    }

    private record ReadError(String path, String reason, String message) {
    }

    @Override
    public ProbeResult run(Deadline deadline) throws Exception {
        List<Sample> samples = new ArrayList<>();
        Map<String, String> details = new LinkedHashMap<>();
        List<ReadError> errors = new ArrayList<>();
        FileGlob.Expansion expansion = glob.expand(hostPaths);
        expansion.deniedDirectories().forEach(d -> errors.add(new ReadError(d, "permission_denied",
            d + ": directory not readable")));
        List<FileGlob.Match> matches = expansion.matches();
        if (matches.isEmpty() && expansion.deniedDirectories().isEmpty() && !spec.allowMissing()) {
            errors.add(new ReadError(spec.path(), "not_found", "\"" + spec.path() + "\" matches no file"));
        }
        char[] password = null;
        if (spec.passwordFile() != null) {
            try {
                password = Secret.read(spec.passwordFile(), "password_file", false).revealChars();
            } catch (Secret.Unusable e) {
                errors.add(new ReadError(spec.path(), e.unreadable() ? "permission_denied" : "bad_password", e.getMessage()));
            }
        }
        int files = 0;
        int certificates = 0;
        double earliest = Double.NaN;
        try {
            for (FileGlob.Match m : matches) {
                deadline.check("timeout");
                List<CertificateFiles.Found> found;
                try {
                    found = readFile(m, password);
                } catch (CertificateFiles.Unreadable u) {
                    errors.add(new ReadError(m.hostPath(), u.reason(), m.hostPath() + ": " + u.getMessage()));
                    continue;
                }
                files++;
                for (int i = 0; i < found.size(); i++) {
                    X509Certificate c = found.get(i).cert();
                    CertificateFacts f = CertificateFacts.of(c);
                    String position = c.getBasicConstraints() < 0 ? "leaf" : f.selfSigned() ? "root" : "intermediate";
                    String[] labels = {target, m.hostPath(), found.get(i).source(), String.valueOf(i), position,
                        f.subjectCn(), f.issuerCn()};
                    samples.add(CertfileKind.CERT_NOT_AFTER.sample(f.notAfter(), labels));
                    samples.add(CertfileKind.CERT_NOT_BEFORE.sample(f.notBefore(), labels));
                    String[] info = Arrays.copyOf(labels, labels.length + 6);
                    info[7] = f.serial();
                    info[8] = f.fingerprintSha256();
                    info[9] = f.sans();
                    info[10] = f.keyType();
                    info[11] = String.valueOf(f.keyBits());
                    info[12] = f.signatureAlgorithm();
                    samples.add(CertfileKind.CERT_INFO.sample(1, info));
                    earliest = Double.isNaN(earliest) ? f.notAfter() : Math.min(earliest, f.notAfter());
                    certificates++;
                    details.put(m.hostPath() + (found.get(i).source().isEmpty() ? "" : " " + found.get(i).source())
                        + " [" + i + "]", c.getSubjectX500Principal().getName() + "; expires " + c.getNotAfter().toInstant());
                }
            }
        } finally {
            if (password != null) {
                Arrays.fill(password, '\0');
            }
        }
        samples.add(CertfileKind.FILES.sample(matches.size(), target));
        samples.add(CertfileKind.CERTIFICATES.sample(certificates, target));
        if (!Double.isNaN(earliest)) {
            samples.add(CertfileKind.EARLIEST_EXPIRY.sample(earliest, target));
        }
        for (ReadError e : errors) {
            samples.add(CertfileKind.READ_ERRORS.sample(1, target, e.path(), e.reason()));
            details.put("error " + e.path(), e.reason() + ": " + e.message());
        }
        details.put("files", files + " of " + matches.size() + " read, " + certificates + " certificates");
        if (!errors.isEmpty()) {
            ReadError first = errors.get(0);
            return ProbeResult.failed(first.reason(), first.message() + (errors.size() > 1 ? " (and "
                + (errors.size() - 1) + " more)" : ""), samples, details);
        }
        return ProbeResult.ok(samples, details);
    }

    private List<CertificateFiles.Found> readFile(FileGlob.Match m, char[] password) throws CertificateFiles.Unreadable {
        byte[] data = bytes(m.file());
        // paths inside a kubeconfig are host paths, relative ones from the kubeconfig's own directory
        Path hostDir = Path.of(m.hostPath()).getParent();
        CertificateFiles.ReferencedFiles referenced = path -> {
            Path host = hostDir == null ? Path.of(path) : hostDir.resolve(path);
            return bytes(hostPaths.resolve(host.normalize().toString()));
        };
        return CertificateFiles.read(data, m.file().getFileName().toString(), spec.format(), password, referenced);
    }

    private static byte[] bytes(Path file) throws CertificateFiles.Unreadable {
        try {
            if (Files.isDirectory(file)) {
                throw new CertificateFiles.Unreadable("parse_error", "is a directory");
            }
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new CertificateFiles.Unreadable("parse_error", "larger than " + MAX_FILE_BYTES + " bytes");
            }
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new CertificateFiles.Unreadable("not_found", "does not exist");
        } catch (AccessDeniedException e) {
            throw new CertificateFiles.Unreadable("permission_denied", "not readable by this user");
        } catch (IOException e) {
            throw new CertificateFiles.Unreadable("parse_error", "cannot read: " + e.getMessage());
        }
    }
}
