#include "security/certificates.h"
#include "security/keys.h"

#include <QTest>
#include <memory>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <tuple>

using namespace pvc::core;

namespace {

QByteArray pemBody(const QByteArray& pem)
{
    QList<QByteArray> lines = pem.trimmed().split('\n');
    lines.removeFirst();
    lines.removeLast();
    return QByteArray::fromBase64(lines.join());
}

QByteArray toPem(const QByteArray& der, const char* type)
{
    const QByteArray base64 = der.toBase64();
    QByteArray pem = QByteArray("-----BEGIN ") + type + "-----\n";
    for (qsizetype i = 0; i < base64.size(); i += 64)
        pem += base64.mid(i, 64) + '\n';
    return pem + "-----END " + type + "-----\n";
}

// The signature is the last element of both a certificate and a CSR, so the last DER byte is in it.
QByteArray withSignatureByteFlipped(const QByteArray& pem, const char* type)
{
    QByteArray der = pemBody(pem);
    der[der.size() - 1] = char(der.at(der.size() - 1) ^ 0x5a);
    return toPem(der, type);
}

// A CSR for a P-256 key, built directly with OpenSSL since our API only produces Ed25519 ones.
QByteArray ecCsr()
{
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
        EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), EVP_PKEY_free);
    std::unique_ptr<X509_REQ, decltype(&X509_REQ_free)> req(X509_REQ_new(), X509_REQ_free);
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    if (!key || !req || !bio)
        return {};
    const unsigned char cn[] = "mallory";
    X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(req.get()), "CN", MBSTRING_ASC, cn, -1, -1, 0);
    X509_REQ_set_pubkey(req.get(), key.get());
    if (X509_REQ_sign(req.get(), key.get(), EVP_sha256()) <= 0 || PEM_write_bio_X509_REQ(bio.get(), req.get()) != 1)
        return {};
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return QByteArray(data, qsizetype(size));
}

} // namespace

class TestCertificates : public QObject {
    Q_OBJECT

    QByteArray m_caKey;
    QByteArray m_caCert;
    QByteArray m_otherCaKey;
    QByteArray m_otherCaCert;
    QByteArray m_hostKey;
    QByteArray m_hostPublic;
    QByteArray m_csr;
    QByteArray m_member;
    certs::MembershipTerms m_terms;

private Q_SLOTS:
    void initTestCase()
    {
        for (auto [key, cert, name] :
            { std::tuple { &m_caKey, &m_caCert, "alpha" }, std::tuple { &m_otherCaKey, &m_otherCaCert, "beta" } }) {
            const auto pair = keys::generateEd25519();
            QVERIFY(pair.ok());
            *key = pair->privatePem;
            const auto ca = certs::createCaCertificate(*key, QString::fromLatin1(name), 3650);
            QVERIFY2(ca.ok(), qPrintable(ca.error().detail));
            *cert = *ca;
        }
        const auto host = keys::generateEd25519();
        QVERIFY(host.ok());
        m_hostKey = host->privatePem;
        m_hostPublic = host->publicPem;
        const auto csr = certs::createCsr(m_hostKey, QStringLiteral("requested-name"));
        QVERIFY2(csr.ok(), qPrintable(csr.error().detail));
        m_csr = *csr;

        m_terms.name = QStringLiteral("alice");
        m_terms.virtualIp = QStringLiteral("240.77.0.5");
        m_terms.dnsName = QStringLiteral("alice.pvc");
        m_terms.groups = QStringList { QStringLiteral("blast"), QStringLiteral("admins") };
        m_terms.serial = 0x1234abcdULL;
        m_terms.validitySeconds = 30 * 86400;
        const auto member = certs::signMembership(m_caKey, m_caCert, m_csr, m_terms);
        QVERIFY2(member.ok(), qPrintable(member.error().code + QLatin1Char(' ') + member.error().detail));
        m_member = *member;
    }

    void caCertificateDescribesItself()
    {
        const auto info = certs::parseCertificate(m_caCert);
        QVERIFY(info.ok());
        QCOMPARE(info->commonName, QStringLiteral("alpha"));
        QVERIFY(info->isCa);
        QVERIFY(info->virtualIp.isEmpty());
        QCOMPARE(info->publicKeyPem, keys::publicFromPrivate(m_caKey).value());
        QVERIFY(info->serialHex.size() >= 20); // 128 random bits: 32 hex digits minus rare leading zeros
        QVERIFY(info->serialHex.size() <= 32);
        QCOMPARE(info->notAfter.date(), QDateTime::currentDateTimeUtc().addDays(3650).date());
    }

    void csrRoundTrip()
    {
        const auto info = certs::parseCsr(m_csr);
        QVERIFY(info.ok());
        QCOMPARE(info->commonName, QStringLiteral("requested-name"));
        QCOMPARE(info->publicKeyPem, m_hostPublic);
    }

    void membershipCarriesTheTerms()
    {
        const auto info = certs::parseCertificate(m_member);
        QVERIFY(info.ok());
        QCOMPARE(info->commonName, QStringLiteral("alice")); // the terms, not the CSR's subject
        QCOMPARE(info->virtualIp, QStringLiteral("240.77.0.5"));
        QCOMPARE(info->dnsName, QStringLiteral("alice.pvc"));
        QCOMPARE(info->groups, m_terms.groups);
        QCOMPARE(info->serialHex, QStringLiteral("1234abcd"));
        QCOMPARE(info->publicKeyPem, m_hostPublic);
        QVERIFY(!info->isCa);
        QCOMPARE(info->notBefore.timeSpec(), Qt::UTC);
        const QDateTime now = QDateTime::currentDateTimeUtc();
        QVERIFY(qAbs(info->notBefore.secsTo(now.addSecs(-300))) < 60);
        QVERIFY(qAbs(info->notAfter.secsTo(now.addDays(30))) < 60);
        QCOMPARE(info->fingerprint.size(), 64);
        QCOMPARE(info->fingerprint, info->fingerprint.toLower());
        QVERIFY(info->fingerprint != certs::parseCertificate(m_caCert)->fingerprint);
    }

    void verifyAgainstTheRightCa()
    {
        const auto info = certs::verifyMembership(m_member, m_caCert, QDateTime::currentDateTimeUtc());
        QVERIFY2(info.ok(), qPrintable(info.error().code + QLatin1Char(' ') + info.error().detail));
        QCOMPARE(info->commonName, QStringLiteral("alice"));
    }

    void refusedByAnotherCa()
    {
        const auto info = certs::verifyMembership(m_member, m_otherCaCert, QDateTime::currentDateTimeUtc());
        QVERIFY(!info.ok());
        QCOMPARE(info.error().code, QStringLiteral("cert.untrusted"));
        QVERIFY(!info.error().detail.isEmpty());
    }

    void refusesTheCaItself()
    {
        const auto info = certs::verifyMembership(m_caCert, m_caCert, QDateTime::currentDateTimeUtc());
        QVERIFY(!info.ok());
        QCOMPARE(info.error().code, QStringLiteral("cert.untrusted"));
    }

    void tamperedSignatureRefused()
    {
        const QByteArray tampered = withSignatureByteFlipped(m_member, "CERTIFICATE");
        QVERIFY(tampered != m_member);
        QVERIFY(certs::parseCertificate(tampered).ok()); // still well-formed, only the signature is wrong
        const auto info = certs::verifyMembership(tampered, m_caCert, QDateTime::currentDateTimeUtc());
        QVERIFY(!info.ok());
        QCOMPARE(info.error().code, QStringLiteral("cert.untrusted"));
    }

    void outsideValidityRefused()
    {
        const auto parsed = certs::parseCertificate(m_member);
        QVERIFY(parsed.ok());
        const auto expired = certs::verifyMembership(m_member, m_caCert, parsed->notAfter.addDays(1));
        QCOMPARE(expired.error().code, QStringLiteral("cert.expired"));
        const auto early = certs::verifyMembership(m_member, m_caCert, parsed->notBefore.addSecs(-60));
        QCOMPARE(early.error().code, QStringLiteral("cert.not_yet_valid"));
        QVERIFY(certs::verifyMembership(m_member, m_caCert, parsed->notAfter.addSecs(-60)).ok());
    }

    void garbageAndOversizedInput()
    {
        QCOMPARE(certs::parseCertificate("garbage").error().code, QStringLiteral("cert.malformed"));
        QCOMPARE(certs::parseCertificate(toPem("\x30\x03\x02\x01\x01", "CERTIFICATE")).error().code,
            QStringLiteral("cert.malformed"));
        QCOMPARE(certs::parseCertificate(QByteArray()).error().code, QStringLiteral("cert.malformed"));
        const QByteArray huge = m_member + QByteArray(certs::MaxCertificatePem, '\n');
        QCOMPARE(certs::parseCertificate(huge).error().code, QStringLiteral("cert.too_large"));
        QCOMPARE(certs::verifyMembership(huge, m_caCert, {}).error().code, QStringLiteral("cert.too_large"));
        QCOMPARE(certs::verifyMembership(m_member, "garbage", {}).error().code, QStringLiteral("cert.malformed"));
        QCOMPARE(certs::parseCsr("garbage").error().code, QStringLiteral("csr.malformed"));
        QCOMPARE(
            certs::parseCsr(m_csr + QByteArray(certs::MaxCsrPem, '\n')).error().code, QStringLiteral("csr.too_large"));
    }

    void csrWithWrongSignatureRefused()
    {
        const QByteArray tampered = withSignatureByteFlipped(m_csr, "CERTIFICATE REQUEST");
        QVERIFY(tampered != m_csr);
        QCOMPARE(certs::parseCsr(tampered).error().code, QStringLiteral("csr.bad_signature"));
        const auto signedAnyway = certs::signMembership(m_caKey, m_caCert, tampered, m_terms);
        QCOMPARE(signedAnyway.error().code, QStringLiteral("csr.bad_signature"));
    }

    void nonEd25519CsrRefused()
    {
        const QByteArray csr = ecCsr();
        QVERIFY(csr.startsWith("-----BEGIN CERTIFICATE REQUEST-----"));
        QCOMPARE(certs::parseCsr(csr).error().code, QStringLiteral("csr.bad_key_type"));
        QCOMPARE(
            certs::signMembership(m_caKey, m_caCert, csr, m_terms).error().code, QStringLiteral("csr.bad_key_type"));
    }

    void badTermsRefused()
    {
        auto terms = m_terms;
        terms.dnsName = QStringLiteral("alice.pvc,DNS:bank.example");
        QCOMPARE(certs::signMembership(m_caKey, m_caCert, m_csr, terms).error().code, QStringLiteral("cert.bad_terms"));
        terms = m_terms;
        terms.virtualIp = QStringLiteral("240.77.0.300");
        QCOMPARE(certs::signMembership(m_caKey, m_caCert, m_csr, terms).error().code, QStringLiteral("cert.bad_terms"));
        terms = m_terms;
        terms.serial = 0;
        QCOMPARE(certs::signMembership(m_caKey, m_caCert, m_csr, terms).error().code, QStringLiteral("cert.bad_terms"));
        // The other project's key cannot sign under this project's CA certificate.
        QCOMPARE(certs::signMembership(m_otherCaKey, m_caCert, m_csr, m_terms).error().code,
            QStringLiteral("cert.ca_key_mismatch"));
    }
};

QTEST_GUILESS_MAIN(TestCertificates)
#include "tst_certificates.moc"
