#include "security/certificates.h"

#include "security/opensslutil.h"

#include <array>
#include <ctime>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

// Reading certificates and CSRs: parsing, describing and verifying against the project CA. What the
// master issues is in certificatesigning.cpp.
namespace pvc::core::certs {

using namespace openssl;

namespace {

using StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX_free>>;

QString entryText(const X509_NAME_ENTRY* entry)
{
    unsigned char* utf8 = nullptr;
    const int length = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry));
    if (length < 0)
        return {};
    QString text = QString::fromUtf8(reinterpret_cast<const char*>(utf8), length);
    OPENSSL_free(utf8);
    return text;
}

QStringList nameEntries(const X509_NAME* name, int nid)
{
    QStringList values;
    for (int i = X509_NAME_get_index_by_NID(name, nid, -1); i >= 0; i = X509_NAME_get_index_by_NID(name, nid, i))
        values.append(entryText(X509_NAME_get_entry(name, i)));
    return values;
}

QDateTime fromAsn1Time(const ASN1_TIME* time)
{
    std::tm tm {};
    if (!time || ASN1_TIME_to_tm(time, &tm) != 1)
        return {};
    return QDateTime(
        QDate(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday), QTime(tm.tm_hour, tm.tm_min, tm.tm_sec), Qt::UTC);
}

QString serialHex(const ASN1_INTEGER* serial)
{
    BnPtr number(ASN1_INTEGER_to_BN(serial, nullptr));
    if (!number)
        return {};
    const bool negative = BN_is_negative(number.get());
    BN_set_negative(number.get(), 0);
    char* hex = BN_bn2hex(number.get());
    if (!hex)
        return {};
    QString text = QString::fromLatin1(hex).toLower();
    OPENSSL_free(hex);
    // BN_bn2hex pads to whole bytes; strip that padding.
    while (text.size() > 1 && text.startsWith(u'0'))
        text.remove(0, 1);
    return negative ? QStringLiteral("-") + text : text;
}

CertificateInfo describe(X509* cert)
{
    CertificateInfo info;
    const X509_NAME* subject = X509_get_subject_name(cert);
    info.commonName = nameEntries(subject, NID_commonName).value(0);
    info.groups = nameEntries(subject, NID_organizationalUnitName);

    NamesPtr names(static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
    for (int i = 0; names && i < sk_GENERAL_NAME_num(names.get()); ++i) {
        const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
        if (name->type == GEN_IPADD && info.virtualIp.isEmpty() && ASN1_STRING_length(name->d.iPAddress) == 4) {
            const unsigned char* octets = ASN1_STRING_get0_data(name->d.iPAddress);
            info.virtualIp = QStringLiteral("%1.%2.%3.%4").arg(octets[0]).arg(octets[1]).arg(octets[2]).arg(octets[3]);
        } else if (name->type == GEN_DNS && info.dnsName.isEmpty()) {
            info.dnsName = QString::fromLatin1(reinterpret_cast<const char*>(ASN1_STRING_get0_data(name->d.dNSName)),
                ASN1_STRING_length(name->d.dNSName));
        }
    }

    info.serialHex = serialHex(X509_get0_serialNumber(cert));
    info.notBefore = fromAsn1Time(X509_get0_notBefore(cert));
    info.notAfter = fromAsn1Time(X509_get0_notAfter(cert));

    BioPtr bio(BIO_new(BIO_s_mem()));
    if (EVP_PKEY* key = X509_get0_pubkey(cert); bio && key && PEM_write_bio_PUBKEY(bio.get(), key) == 1)
        info.publicKeyPem = bioBytes(bio.get());

    std::array<unsigned char, EVP_MAX_MD_SIZE> digest {};
    unsigned int digestLength = 0;
    if (X509_digest(cert, EVP_sha256(), digest.data(), &digestLength) == 1)
        info.fingerprint = QString::fromLatin1(
            QByteArray(reinterpret_cast<const char*>(digest.data()), qsizetype(digestLength)).toHex());

    info.isCa = (X509_get_extension_flags(cert) & EXFLAG_CA) != 0; // basicConstraints CA:TRUE
    ERR_clear_error(); // absent extensions leave entries behind
    return info;
}

} // namespace

Result<CsrInfo> parseCsr(const QByteArray& csrPem)
{
    auto req = loadCsr(csrPem);
    if (!req)
        return req.error();
    CsrInfo info;
    info.commonName = nameEntries(X509_REQ_get_subject_name(req->get()), NID_commonName).value(0);
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PUBKEY(bio.get(), X509_REQ_get0_pubkey(req->get())) != 1)
        return makeError("csr.malformed", opensslError());
    info.publicKeyPem = bioBytes(bio.get());
    return info;
}

Result<CertificateInfo> parseCertificate(const QByteArray& pem)
{
    auto cert = loadCertificate(pem);
    if (!cert)
        return cert.error();
    return describe(cert->get());
}

Result<CertificateInfo> verifyMembership(
    const QByteArray& certificatePem, const QByteArray& caCertificatePem, const QDateTime& now)
{
    auto cert = loadCertificate(certificatePem);
    if (!cert)
        return cert.error();
    auto ca = loadCertificate(caCertificatePem);
    if (!ca)
        return ca.error();
    // A CA certificate (even the project's own) is never a membership.
    if (X509_check_ca(cert->get()) != 0)
        return makeError("cert.untrusted", QStringLiteral("the certificate is a CA"));
    if (X509_check_ca(ca->get()) != 1)
        return makeError("cert.untrusted", QStringLiteral("the trust anchor is not a CA"));

    // A store holding only the project CA: system roots never take part.
    StorePtr store(X509_STORE_new());
    StoreCtxPtr ctx(X509_STORE_CTX_new());
    if (!store || !ctx || X509_STORE_add_cert(store.get(), ca->get()) != 1
        || X509_STORE_CTX_init(ctx.get(), store.get(), cert->get(), nullptr) != 1)
        return makeError("cert.untrusted", opensslError());
    const QDateTime when = now.isValid() ? now : QDateTime::currentDateTimeUtc();
    X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx.get()), time_t(when.toSecsSinceEpoch()));
    if (X509_verify_cert(ctx.get()) != 1) {
        const int reason = X509_STORE_CTX_get_error(ctx.get());
        const QString detail = QString::fromLatin1(X509_verify_cert_error_string(reason));
        ERR_clear_error();
        if (reason == X509_V_ERR_CERT_HAS_EXPIRED)
            return makeError("cert.expired", detail);
        if (reason == X509_V_ERR_CERT_NOT_YET_VALID)
            return makeError("cert.not_yet_valid", detail);
        return makeError("cert.untrusted", detail);
    }
    return describe(cert->get());
}

} // namespace pvc::core::certs
