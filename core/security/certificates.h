#pragma once

#include "common/result.h"

#include <QByteArray>
#include <QDateTime>
#include <QString>
#include <QStringList>

// X.509 with Ed25519: the master's CA, host CSRs, and master-signed membership certificates.
namespace pvc::core::certs {

// Hard input limits, checked before any parsing.
inline constexpr qsizetype MaxCertificatePem = 8 * 1024;
inline constexpr qsizetype MaxCsrPem = 4 * 1024;

struct CertificateInfo {
    QString commonName; // the host name, or the project name for the CA
    QString virtualIp; // from the IP SAN; empty for the CA
    QString dnsName; // from the DNS SAN; empty for the CA
    QStringList groups; // subject OU entries, in order
    QString serialHex; // lowercase hex, no leading zeros beyond one
    QDateTime notBefore;
    QDateTime notAfter;
    QByteArray publicKeyPem;
    QString fingerprint; // lowercase hex SHA-256 of the DER encoding
    bool isCa = false;
};

struct CsrInfo {
    QString commonName;
    QByteArray publicKeyPem;
};

struct MembershipTerms {
    QString name; // becomes CN and the first label of the DNS SAN
    QString virtualIp; // dotted IPv4, becomes the IP SAN
    QString dnsName; // e.g. "alice.pvc"
    QStringList groups; // become OU entries
    quint64 serial = 0; // unique per CA, non-zero
    qint64 validitySeconds = 30 * 86400;
};

// Self-signed CA certificate for the project (basicConstraints CA:TRUE critical, keyCertSign, cRLSign).
Result<QByteArray> createCaCertificate(const QByteArray& caPrivatePem, const QString& projectName, int validityDays);

// A CSR for host key, with CN = name, self-signed with the host key.
Result<QByteArray> createCsr(const QByteArray& hostPrivatePem, const QString& name);

// Parses a CSR and checks its self-signature; only Ed25519 keys are accepted. Errors: csr.too_large,
// csr.malformed, csr.bad_signature, csr.bad_key_type.
Result<CsrInfo> parseCsr(const QByteArray& csrPem);

// The master signs a membership certificate for the CSR's public key, with the terms given
// (not the CSR's subject). Extended key usage: serverAuth and clientAuth.
Result<QByteArray> signMembership(const QByteArray& caPrivatePem, const QByteArray& caCertificatePem,
    const QByteArray& csrPem, const MembershipTerms& terms);

// Parses without verifying. Errors: cert.too_large, cert.malformed.
Result<CertificateInfo> parseCertificate(const QByteArray& pem);

// Verifies that certificatePem chains to caCertificatePem (signature, validity at `now`, not a CA itself).
// Errors: cert.too_large, cert.malformed, cert.untrusted, cert.expired, cert.not_yet_valid.
Result<CertificateInfo> verifyMembership(
    const QByteArray& certificatePem, const QByteArray& caCertificatePem, const QDateTime& now);

} // namespace pvc::core::certs
