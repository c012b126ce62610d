package dev.vigil.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vigil.tls.ChainCases.Case;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * vigil's verdict on every case of {@link ChainCases}, and its agreement with pyca/cryptography's path validation on
 * the same chains (when python3 with cryptography 43 or later is installed; skipped otherwise).
 */
class ChainVerdictAgreementTest {
    private static final Instant NOW = Instant.now();
    private static final List<Case> CASES = ChainCases.all(NOW);

    @TestFactory
    Stream<DynamicTest> everyCaseGetsTheVerdictClientsGive() {
        return CASES.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            ChainInspector.Verdict v = ChainInspector.inspect(c.chain(), c.anchors(), c.host(), Date.from(NOW));
            assertEquals(c.expected(), v.reason(), v.message());
            assertEquals(v.ok(), v.message().isEmpty(), "a failure says why, success says nothing: " + v.message());
        }));
    }

    @Test
    void pycaAgreesExceptWhereItsWebPkiProfileIsStricter(@TempDir Path dir) throws Exception {
        assumeTrue(pycaAvailable(), "python3 with cryptography >= 43 is not installed");
        Path script = dir.resolve("pyca_verdict.py");
        try (InputStream in = getClass().getResourceAsStream("/tls/pyca_verdict.py")) {
            Files.write(script, in.readAllBytes());
        }
        Map<String, String> pyca = runPyca(script);
        int agree = 0;
        List<String> unexpected = new ArrayList<>();
        for (Case c : CASES) {
            String answer = pyca.get(c.name());
            boolean pycaAccepts = answer.startsWith("ok");
            boolean vigilAccepts = ChainInspector.inspect(c.chain(), c.anchors(), c.host(), Date.from(NOW)).ok();
            if (pycaAccepts == vigilAccepts) {
                agree++;
            } else if (c.pycaNote() != null) {
                System.out.println("known difference: " + c.name() + ": " + c.pycaNote() + " (pyca: " + answer + ")");
            } else {
                unexpected.add(c.name() + ": vigil " + (vigilAccepts ? "accepts" : "refuses") + ", pyca " + answer);
            }
        }
        System.out.printf("chain verdicts: vigil agrees with pyca/cryptography on %d of %d cases%n", agree, CASES.size());
        assertTrue(unexpected.isEmpty(), String.join("\n", unexpected));
    }

    @Test
    void theCatalogueCoversEveryVerdictOfAPath() {
        List<String> seen = CASES.stream().map(Case::expected).distinct().toList();
        for (String v : ChainInspector.VERDICTS) {
            if (!v.equals(ChainInspector.NO_CERTIFICATE) && !v.equals(ChainInspector.NOT_YET_VALID)) {
                assertTrue(seen.contains(v), "no case for " + v);
            }
        }
        assertFalse(CASES.isEmpty());
    }

    private static Map<String, String> runPyca(Path script) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("python3", script.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        StringBuilder input = new StringBuilder();
        for (Case c : CASES) {
            input.append("{\"name\":").append(json(c.name()))
                .append(",\"chain\":").append(pems(c.chain()))
                .append(",\"roots\":").append(pems(c.anchors()))
                .append(",\"host\":").append(json(c.host()))
                .append(",\"time\":").append(NOW.getEpochSecond()).append("}\n");
        }
        Thread writer = new Thread(() -> {
            try (var out = p.getOutputStream()) {
                out.write(input.toString().getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                // the reader below reports the missing answers
            }
        });
        writer.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "pyca did not finish");
        writer.join();
        Map<String, String> answers = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            String[] f = line.split("\t", 2);
            if (f.length == 2) {
                answers.put(f[0], f[1]);
            }
        }
        assertEquals(CASES.size(), answers.size(), "pyca answered every case: " + out);
        return answers;
    }

    private static boolean pycaAvailable() {
        try {
            Process p = new ProcessBuilder("python3", "-c",
                "import cryptography.x509.verification as v; v.PolicyBuilder().time").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static String pems(List<java.security.cert.X509Certificate> certs) {
        List<String> out = new ArrayList<>();
        for (var c : certs) {
            out.add(json(TestPki.pem("CERTIFICATE", TestPki.encoded(c))));
        }
        return "[" + String.join(",", out) + "]";
    }

    private static String json(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }
}
