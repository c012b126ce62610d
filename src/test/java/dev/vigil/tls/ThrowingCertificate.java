package dev.vigil.tls;

import java.math.BigInteger;
import java.security.Principal;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.Date;
import java.util.Set;
import javax.security.auth.x500.X500Principal;

/**
 * A certificate whose encoding and key accessors throw unchecked exceptions, as a provider's or a future JDK's might
 * (the JDK's own name-constraints check throws UnsupportedOperationException on otherName): the verdict must survive.
 */
final class ThrowingCertificate extends X509Certificate {
    private final X509Certificate real;

    ThrowingCertificate(X509Certificate real) {
        this.real = real;
    }

    private static RuntimeException boom() {
        return new UnsupportedOperationException("not supported by this certificate implementation");
    }

    @Override public byte[] getEncoded() {
        throw boom();
    }

    @Override public PublicKey getPublicKey() {
        throw boom();
    }

    @Override public byte[] getExtensionValue(String oid) {
        throw boom();
    }

    @Override public void verify(PublicKey key) {
        throw boom();
    }

    @Override public void verify(PublicKey key, String sigProvider) {
        throw boom();
    }

    @Override public X500Principal getSubjectX500Principal() {
        return real.getSubjectX500Principal();
    }

    @Override public X500Principal getIssuerX500Principal() {
        return real.getIssuerX500Principal();
    }

    @Override public void checkValidity() {
    }

    @Override public void checkValidity(Date date) {
    }

    @Override public int getVersion() {
        return real.getVersion();
    }

    @Override public BigInteger getSerialNumber() {
        return real.getSerialNumber();
    }

    @Override public Principal getIssuerDN() {
        return real.getIssuerX500Principal();
    }

    @Override public Principal getSubjectDN() {
        return real.getSubjectX500Principal();
    }

    @Override public Date getNotBefore() {
        return real.getNotBefore();
    }

    @Override public Date getNotAfter() {
        return real.getNotAfter();
    }

    @Override public byte[] getTBSCertificate() {
        throw boom();
    }

    @Override public byte[] getSignature() {
        return real.getSignature();
    }

    @Override public String getSigAlgName() {
        return real.getSigAlgName();
    }

    @Override public String getSigAlgOID() {
        return real.getSigAlgOID();
    }

    @Override public byte[] getSigAlgParams() {
        return real.getSigAlgParams();
    }

    @Override public boolean[] getIssuerUniqueID() {
        return null;
    }

    @Override public boolean[] getSubjectUniqueID() {
        return null;
    }

    @Override public boolean[] getKeyUsage() {
        return real.getKeyUsage();
    }

    @Override public int getBasicConstraints() {
        return real.getBasicConstraints();
    }

    @Override public boolean hasUnsupportedCriticalExtension() {
        return false;
    }

    @Override public Set<String> getCriticalExtensionOIDs() {
        return real.getCriticalExtensionOIDs();
    }

    @Override public Set<String> getNonCriticalExtensionOIDs() {
        return real.getNonCriticalExtensionOIDs();
    }

    @Override public String toString() {
        return "ThrowingCertificate(" + real.getSubjectX500Principal() + ")";
    }
}
