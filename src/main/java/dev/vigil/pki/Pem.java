package dev.vigil.pki;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** PEM blocks ({@code -----BEGIN TYPE----- base64 -----END TYPE-----}) found anywhere in a text. */
public final class Pem {
    private static final Pattern BLOCK = Pattern.compile(
        "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s:,\\-]*?)-----END \\1-----");

    public record Block(String type, byte[] der) {
    }

    private Pem() {
    }

    public static boolean looksLikePem(byte[] data) {
        return new String(data, 0, Math.min(data.length, 64 * 1024), StandardCharsets.ISO_8859_1).contains("-----BEGIN ");
    }

    /** Every well-formed block; throws {@link IllegalArgumentException} when a block's body is not base64. */
    public static List<Block> parse(byte[] data) {
        String text = new String(data, StandardCharsets.ISO_8859_1);
        List<Block> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            String body = m.group(2);
            if (body.contains(":")) {
                // RFC 1421 headers (Proc-Type: 4,ENCRYPTED): legacy encrypted keys
                out.add(new Block(m.group(1) + " ENCRYPTED-LEGACY", new byte[0]));
                continue;
            }
            try {
                out.add(new Block(m.group(1), Base64.getMimeDecoder().decode(body)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("PEM block " + m.group(1) + " is not valid base64");
            }
        }
        return out;
    }
}
