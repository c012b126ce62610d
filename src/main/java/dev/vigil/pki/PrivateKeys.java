package dev.vigil.pki;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.List;

/**
 * Private keys from PEM: PKCS#8 ({@code PRIVATE KEY}), PKCS#1 RSA ({@code RSA PRIVATE KEY}) and SEC1 EC
 * ({@code EC PRIVATE KEY}). The last two are re-wrapped as PKCS#8, which is all the JDK's key factories read.
 * Messages never contain key material.
 */
public final class PrivateKeys {
    private static final byte[] RSA_ENCRYPTION_OID = {0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01};
    private static final byte[] EC_PUBLIC_KEY_OID = {0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

    private PrivateKeys() {
    }

    /**
     * The private key of a PEM file: PKCS#8, PKCS#1 (RSA) or SEC1 (EC) as k3s and openssl write them; shared by the
     * tls and etcd kinds. Throws {@link IllegalArgumentException} with a sentence that names no key material.
     */
    public static PrivateKey fromPem(byte[] pem) {
        List<Pem.Block> blocks = Pem.parse(pem);
        for (Pem.Block b : blocks) {
            switch (b.type()) {
                case "PRIVATE KEY":
                    return pkcs8(b.der());
                case "RSA PRIVATE KEY":
                    return pkcs8(rsaToPkcs8(b.der()));
                case "EC PRIVATE KEY":
                    return pkcs8(sec1ToPkcs8(b.der()));
                case "ENCRYPTED PRIVATE KEY":
                case "RSA PRIVATE KEY ENCRYPTED-LEGACY":
                case "EC PRIVATE KEY ENCRYPTED-LEGACY":
                    throw new IllegalArgumentException("the private key is encrypted; give an unencrypted key file"
                        + " (readable only by vigil) or a PKCS#12 file with client_pkcs12_password_file");
                default:
                    // EC PARAMETERS, certificates: skip
            }
        }
        throw new IllegalArgumentException("no PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY block found");
    }

    public static PrivateKey pkcs8(byte[] der) {
        for (String alg : new String[] {"RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS"}) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException | RuntimeException e) {
                // try the next algorithm
            }
        }
        throw new IllegalArgumentException("unsupported or malformed private key");
    }

    /** PKCS#1 RSAPrivateKey → PrivateKeyInfo { 0, {rsaEncryption, NULL}, OCTET STRING pkcs1 }. */
    public static byte[] rsaToPkcs8(byte[] pkcs1) {
        byte[] algorithm = Der.tlv(Der.SEQUENCE, Der.concat(Der.tlv(Der.OID, RSA_ENCRYPTION_OID), Der.tlv(Der.NULL, new byte[0])));
        return Der.tlv(Der.SEQUENCE, Der.concat(Der.tlv(Der.INTEGER, new byte[] {0}), algorithm,
            Der.tlv(Der.OCTET_STRING, pkcs1)));
    }

    /**
     * SEC1 ECPrivateKey { 1, OCTET STRING d, [0] curve OID, [1] public key } → PrivateKeyInfo with the curve moved
     * into the algorithm identifier (where PKCS#8 keeps it).
     */
    public static byte[] sec1ToPkcs8(byte[] sec1) {
        Der.Reader seq = new Der.Reader(sec1).next().content();
        seq.next(); // version
        seq.next(); // private key
        byte[] curve = null;
        while (seq.hasMore()) {
            Der.Element e = seq.next();
            if (e.tag() == 0xa0) {
                Der.Element oid = e.content().next();
                if (oid.tag() == Der.OID) {
                    curve = oid.encoded();
                }
            }
        }
        if (curve == null) {
            throw new IllegalArgumentException("EC private key without a named curve");
        }
        byte[] algorithm = Der.tlv(Der.SEQUENCE, Der.concat(Der.tlv(Der.OID, EC_PUBLIC_KEY_OID), curve));
        return Der.tlv(Der.SEQUENCE, Der.concat(Der.tlv(Der.INTEGER, new byte[] {0}), algorithm,
            Der.tlv(Der.OCTET_STRING, sec1)));
    }
}
