package dev.vigil.tls;

import dev.vigil.pki.Der;
import dev.vigil.tls.CertificateDer.GeneralName;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.security.auth.x500.X500Principal;

/**
 * The name constraints of one CA (RFC 5280 4.2.1.10), applied to the names of a certificate below it: the subject
 * alternative names and the subject DN, never the CN (a CN is not a name when SANs are present, and no TLS client
 * that matters reads it as one: Go, pyca/cryptography and browsers ignore it). dNSName, iPAddress, rfc822Name and
 * directoryName constraints are evaluated; a constraint of another type (otherName, URI, ...) cannot be evaluated, so
 * a certificate carrying a name of that type fails the check (as pyca/cryptography does) and one without such a name
 * passes.
 */
record NameConstraints(List<GeneralName> permitted, List<GeneralName> excluded) {

    static NameConstraints parse(byte[] extensionValue) {
        List<GeneralName> permitted = new ArrayList<>();
        List<GeneralName> excluded = new ArrayList<>();
        Der.Reader r = new Der.Reader(extensionValue).next().content();
        while (r.hasMore()) {
            Der.Element subtrees = r.next();
            List<GeneralName> into = switch (subtrees.tag()) {
                case 0xa0 -> permitted;
                case 0xa1 -> excluded;
                default -> throw new IllegalArgumentException("unexpected element in name constraints");
            };
            Der.Reader list = subtrees.content();
            while (list.hasMore()) {
                Der.Reader subtree = list.next().content();
                into.add(CertificateDer.generalName(subtree.next()));
                // minimum and maximum: RFC 5280 says they MUST be absent; ignored like Go and pyca do
            }
        }
        return new NameConstraints(List.copyOf(permitted), List.copyOf(excluded));
    }

    /**
     * @return null when the certificate's names satisfy the constraints, else why not (naming the name and the rule)
     */
    String violation(X500Principal subject, CertificateDer cert) {
        List<GeneralName> names = new ArrayList<>(cert.names());
        if (subject.getEncoded().length > 2) { // an empty subject is not a name
            names.add(new GeneralName(GeneralName.DIRECTORY, subject.getEncoded()));
        }
        for (GeneralName name : names) {
            boolean supported = isSupported(name.type());
            for (GeneralName ex : excluded) {
                if (ex.type() != name.type()) {
                    continue;
                }
                if (!supported) {
                    return "a " + ex.typeName() + " constraint cannot be evaluated and the certificate has a "
                        + name.typeName() + " name";
                }
                if (matches(name, ex)) {
                    return "name " + show(name) + " is in the excluded subtree " + show(ex);
                }
            }
            boolean constrained = false;
            boolean within = false;
            for (GeneralName p : permitted) {
                if (p.type() != name.type()) {
                    continue;
                }
                constrained = true;
                if (!supported) {
                    return "a " + p.typeName() + " constraint cannot be evaluated and the certificate has a "
                        + name.typeName() + " name";
                }
                if (matches(name, p)) {
                    within = true;
                    break;
                }
            }
            if (constrained && !within) {
                return "name " + show(name) + " is outside the permitted " + name.typeName() + " subtrees";
            }
        }
        return null;
    }

    private static boolean isSupported(int type) {
        return type == GeneralName.DNS || type == GeneralName.IP || type == GeneralName.EMAIL
            || type == GeneralName.DIRECTORY;
    }

    static boolean matches(GeneralName name, GeneralName constraint) {
        return switch (name.type()) {
            case GeneralName.DNS -> dnsWithin(name.text(), constraint.text());
            case GeneralName.IP -> ipWithin(name.value(), constraint.value());
            case GeneralName.EMAIL -> emailWithin(name.text(), constraint.text());
            case GeneralName.DIRECTORY -> directoryWithin(name.value(), constraint.value());
            default -> false;
        };
    }

    /** "example.com" covers itself and its subdomains; ".example.com" only its subdomains; "" everything. */
    static boolean dnsWithin(String name, String constraint) {
        String n = name.toLowerCase(Locale.ROOT);
        String c = constraint.toLowerCase(Locale.ROOT);
        if (n.endsWith(".")) {
            n = n.substring(0, n.length() - 1);
        }
        if (c.isEmpty()) {
            return true;
        }
        if (c.startsWith(".")) {
            return n.length() > c.length() && n.endsWith(c);
        }
        return n.equals(c) || n.endsWith("." + c);
    }

    static boolean ipWithin(byte[] address, byte[] constraint) {
        if (constraint.length != address.length * 2) {
            return false; // IPv4 constraints never cover IPv6 addresses and the reverse
        }
        for (int i = 0; i < address.length; i++) {
            byte mask = constraint[address.length + i];
            if ((address[i] & mask) != (constraint[i] & mask)) {
                return false;
            }
        }
        return true;
    }

    /** "user@host" is one mailbox, "host" all mailboxes at that host, ".host" all mailboxes under its subdomains. */
    static boolean emailWithin(String mailbox, String constraint) {
        int at = mailbox.lastIndexOf('@');
        if (at < 0) {
            return false;
        }
        if (constraint.indexOf('@') >= 0) {
            return mailbox.substring(0, at).equals(constraint.substring(0, constraint.lastIndexOf('@')))
                && mailbox.substring(at + 1).equalsIgnoreCase(constraint.substring(constraint.lastIndexOf('@') + 1));
        }
        String host = mailbox.substring(at + 1).toLowerCase(Locale.ROOT);
        String c = constraint.toLowerCase(Locale.ROOT);
        return c.startsWith(".") ? host.endsWith(c) : host.equals(c);
    }

    /** The name's RDN sequence begins with the constraint's (compared in canonical form, RDN by RDN). */
    static boolean directoryWithin(byte[] name, byte[] constraint) {
        try {
            List<Rdn> n = rdns(name);
            List<Rdn> c = rdns(constraint);
            return n.size() >= c.size() && n.subList(0, c.size()).equals(c);
        } catch (InvalidNameException | IllegalArgumentException e) {
            return false;
        }
    }

    private static List<Rdn> rdns(byte[] encodedName) throws InvalidNameException {
        // LdapName lists the most significant RDN first
        return new LdapName(new X500Principal(encodedName).getName(X500Principal.CANONICAL)).getRdns();
    }

    static String show(GeneralName n) {
        return switch (n.type()) {
            case GeneralName.DNS, GeneralName.EMAIL, GeneralName.URI -> n.typeName() + " \"" + n.text() + "\"";
            case GeneralName.IP -> n.typeName() + " " + ip(n.value());
            case GeneralName.DIRECTORY -> {
                try {
                    yield "directoryName \"" + new X500Principal(n.value()).getName() + "\"";
                } catch (IllegalArgumentException e) {
                    yield "directoryName (unreadable)";
                }
            }
            default -> n.typeName();
        };
    }

    private static String ip(byte[] b) {
        try {
            if (b.length == 4 || b.length == 16) {
                return InetAddress.getByAddress(b).getHostAddress();
            }
            if (b.length == 8 || b.length == 32) {
                byte[] net = Arrays.copyOf(b, b.length / 2);
                int bits = 0;
                for (int i = b.length / 2; i < b.length; i++) {
                    bits += Integer.bitCount(b[i] & 0xff);
                }
                return InetAddress.getByAddress(net).getHostAddress() + "/" + bits;
            }
        } catch (UnknownHostException e) {
            // fall through
        }
        return "(" + b.length + " bytes)";
    }
}
