#include "security/certificates.h"

#include <QHostAddress>
#include <QRegularExpression>
#include <algorithm>
#include <array>
#include <ctime>
#include <memory>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <utility>

namespace pvc::core::certs {

namespace {

constexpr qsizetype MaxKeyPem = 16 * 1024;
constexpr int MaxValidityDays = 36500;
constexpr qsizetype MaxNameLength = 64; // RFC 5280 ub-common-name and ub-organizational-unit-name
constexpr qsizetype MaxGroups = 32; // keeps every membership certificate far below MaxCertificatePem

template <auto Fn> struct Deleter {
    template <typename T> void operator()(T* p) const { Fn(p); }
};
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using ReqPtr = std::unique_ptr<X509_REQ, Deleter<X509_REQ_free>>;
using StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using NamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES_free>>;
using ExtensionPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;

// Drains the thread's OpenSSL error queue so that stale entries never confuse a later call.
QString opensslError()
{
    const unsigned long first = ERR_get_error();
    ERR_clear_error();
    if (first == 0)
        return QStringLiteral("unknown OpenSSL error");
    std::array<char, 256> text {};
    ERR_error_string_n(first, text.data(), text.size());
    return QString::fromLatin1(text.data());
}

int noPassphrase(char*, int, int, void*)
{
    return -1;
}

BioPtr readBio(const QByteArray& data)
{
    return BioPtr(BIO_new_mem_buf(data.constData(), int(data.size())));
}

QByteArray bioBytes(BIO* bio)
{
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    return size > 0 ? QByteArray(data, qsizetype(size)) : QByteArray();
}

Result<PkeyPtr> loadEd25519Private(const QByteArray& pem)
{
    if (pem.size() > MaxKeyPem)
        return makeError("key.too_large");
    BioPtr bio = readBio(pem);
    PkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, noPassphrase, nullptr) : nullptr);
    if (!key)
        return makeError("key.malformed", opensslError());
    if (EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519)
        return makeError("key.bad_key_type", QStringLiteral("not an Ed25519 key"));
    return key;
}

Result<X509Ptr> loadCertificate(const QByteArray& pem)
{
    if (pem.size() > MaxCertificatePem)
        return makeError("cert.too_large", QStringLiteral("%1 bytes").arg(pem.size()));
    BioPtr bio = readBio(pem);
    X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, noPassphrase, nullptr) : nullptr);
    if (!cert)
        return makeError("cert.malformed", opensslError());
    return cert;
}

// Only Ed25519 host keys are admitted, and the CSR must prove possession of the key (PKCS#10 self-signature).
Result<ReqPtr> loadCsr(const QByteArray& pem)
{
    if (pem.size() > MaxCsrPem)
        return makeError("csr.too_large", QStringLiteral("%1 bytes").arg(pem.size()));
    BioPtr bio = readBio(pem);
    ReqPtr req(bio ? PEM_read_bio_X509_REQ(bio.get(), nullptr, noPassphrase, nullptr) : nullptr);
    EVP_PKEY* key = req ? X509_REQ_get0_pubkey(req.get()) : nullptr;
    if (!key)
        return makeError("csr.malformed", opensslError());
    if (EVP_PKEY_get_id(key) != EVP_PKEY_ED25519)
        return makeError("csr.bad_key_type", QStringLiteral("only Ed25519 keys are accepted"));
    if (X509_REQ_verify(req.get(), key) != 1)
        return makeError("csr.bad_signature", opensslError());
    return req;
}

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

bool addNameEntry(X509_NAME* name, const char* field, const QString& value)
{
    const QByteArray utf8 = value.toUtf8();
    return X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
               reinterpret_cast<const unsigned char*>(utf8.constData()), int(utf8.size()), -1, 0)
        == 1;
}

// issuer is the certificate whose key signs (itself for the CA); it provides the authority key identifier.
bool addExtension(X509* cert, X509* issuer, int nid, const char* value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    ExtensionPtr extension(X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value));
    return extension && X509_add_ext(cert, extension.get(), -1) == 1;
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

// Signs with Ed25519 (no digest: RFC 8410 section 6) and returns PEM.
Result<QByteArray> signAndEncode(X509* cert, EVP_PKEY* key)
{
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (X509_sign(cert, key, nullptr) <= 0 || !bio || PEM_write_bio_X509(bio.get(), cert) != 1)
        return makeError("cert.sign_failed", opensslError());
    QByteArray pem = bioBytes(bio.get());
    if (pem.size() > MaxCertificatePem)
        return makeError("cert.too_large", QStringLiteral("the signed certificate exceeds the limit"));
    return pem;
}

bool isPrintableName(const QString& text)
{
    if (text.isEmpty() || text.size() > MaxNameLength)
        return false;
    return std::none_of(text.cbegin(), text.cend(), [](QChar c) { return c.category() == QChar::Other_Control; });
}

bool isHostName(const QString& name)
{
    static const QRegularExpression label(QStringLiteral("^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"));
    if (name.isEmpty() || name.size() > 253)
        return false;
    const QStringList labels = name.split(u'.');
    return std::all_of(labels.cbegin(), labels.cend(), [](const QString& l) { return label.match(l).hasMatch(); });
}

Error checkTerms(const MembershipTerms& terms)
{
    QHostAddress address;
    if (!isPrintableName(terms.name))
        return makeError("cert.bad_terms", QStringLiteral("bad name"));
    if (!address.setAddress(terms.virtualIp) || address.protocol() != QAbstractSocket::IPv4Protocol
        || address.toString() != terms.virtualIp)
        return makeError("cert.bad_terms", QStringLiteral("virtual IP must be canonical dotted IPv4"));
    if (!isHostName(terms.dnsName))
        return makeError("cert.bad_terms", QStringLiteral("bad DNS name"));
    if (terms.groups.size() > MaxGroups || !std::all_of(terms.groups.cbegin(), terms.groups.cend(), isPrintableName))
        return makeError("cert.bad_terms", QStringLiteral("bad group list"));
    if (terms.serial == 0)
        return makeError("cert.bad_terms", QStringLiteral("serial must be non-zero"));
    if (terms.validityDays < 1 || terms.validityDays > MaxValidityDays)
        return makeError("cert.bad_terms", QStringLiteral("bad validity"));
    return {};
}

// The subject alternative names are built as structures, not as a config string, so no term can inject
// another name.
bool addSubjectAltNames(X509* cert, const MembershipTerms& terms)
{
    NamesPtr names(GENERAL_NAMES_new());
    if (!names)
        return false;
    const QByteArray ip = terms.virtualIp.toLatin1();
    const QByteArray dns = terms.dnsName.toLatin1();
    for (const auto& [type, value] : { std::pair { GEN_IPADD, &ip }, std::pair { GEN_DNS, &dns } }) {
        GENERAL_NAME* name = a2i_GENERAL_NAME(nullptr, nullptr, nullptr, type, value->constData(), 0);
        if (!name || sk_GENERAL_NAME_push(names.get(), name) <= 0) {
            GENERAL_NAME_free(name);
            return false;
        }
    }
    return X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) == 1;
}

} // namespace

Result<QByteArray> createCaCertificate(const QByteArray& caPrivatePem, const QString& projectName, int validityDays)
{
    if (!isPrintableName(projectName) || validityDays < 1 || validityDays > MaxValidityDays)
        return makeError("cert.bad_terms", QStringLiteral("bad project name or validity"));
    auto key = loadEd25519Private(caPrivatePem);
    if (!key)
        return key.error();
    X509Ptr cert(X509_new());
    BnPtr serial(BN_new());
    if (!cert || !serial)
        return makeError("cert.sign_failed", opensslError());

    X509_NAME* name = X509_get_subject_name(cert.get());
    // A random 128-bit serial, as CA/Browser practice recommends for unpredictability.
    const bool built = X509_set_version(cert.get(), X509_VERSION_3) == 1
        && BN_rand(serial.get(), 128, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1
        && BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) != nullptr
        && addNameEntry(name, "CN", projectName) && X509_set_issuer_name(cert.get(), name) == 1
        && X509_time_adj_ex(X509_getm_notBefore(cert.get()), 0, -300, nullptr) != nullptr
        && X509_time_adj_ex(X509_getm_notAfter(cert.get()), validityDays, 0, nullptr) != nullptr
        && X509_set_pubkey(cert.get(), key->get()) == 1
        && addExtension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE")
        && addExtension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign")
        && addExtension(cert.get(), cert.get(), NID_subject_key_identifier, "hash");
    if (!built)
        return makeError("cert.sign_failed", opensslError());
    return signAndEncode(cert.get(), key->get());
}

Result<QByteArray> createCsr(const QByteArray& hostPrivatePem, const QString& name)
{
    if (!isPrintableName(name))
        return makeError("csr.bad_name");
    auto key = loadEd25519Private(hostPrivatePem);
    if (!key)
        return key.error();
    ReqPtr req(X509_REQ_new());
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!req || !bio || X509_REQ_set_version(req.get(), X509_REQ_VERSION_1) != 1
        || !addNameEntry(X509_REQ_get_subject_name(req.get()), "CN", name)
        || X509_REQ_set_pubkey(req.get(), key->get()) != 1 || X509_REQ_sign(req.get(), key->get(), nullptr) <= 0
        || PEM_write_bio_X509_REQ(bio.get(), req.get()) != 1)
        return makeError("csr.sign_failed", opensslError());
    return bioBytes(bio.get());
}

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

Result<QByteArray> signMembership(const QByteArray& caPrivatePem, const QByteArray& caCertificatePem,
    const QByteArray& csrPem, const MembershipTerms& terms)
{
    if (Error bad = checkTerms(terms); !bad.code.isEmpty())
        return bad;
    auto caKey = loadEd25519Private(caPrivatePem);
    if (!caKey)
        return caKey.error();
    auto caCert = loadCertificate(caCertificatePem);
    if (!caCert)
        return caCert.error();
    if (X509_check_private_key(caCert->get(), caKey->get()) != 1)
        return makeError("cert.ca_key_mismatch", opensslError());
    auto req = loadCsr(csrPem);
    if (!req)
        return req.error();

    X509Ptr cert(X509_new());
    if (!cert)
        return makeError("cert.sign_failed", opensslError());
    X509_NAME* subject = X509_get_subject_name(cert.get());
    bool built = X509_set_version(cert.get(), X509_VERSION_3) == 1
        && ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert.get()), terms.serial) == 1
        && X509_set_issuer_name(cert.get(), X509_get_subject_name(caCert->get())) == 1
        && addNameEntry(subject, "CN", terms.name);
    for (const QString& group : terms.groups)
        built = built && addNameEntry(subject, "OU", group);
    // Five minutes of back-dating absorbs clock skew between the master and a newly enrolled host.
    built = built && X509_time_adj_ex(X509_getm_notBefore(cert.get()), 0, -300, nullptr) != nullptr
        && X509_time_adj_ex(X509_getm_notAfter(cert.get()), terms.validityDays, 0, nullptr) != nullptr
        && X509_set_pubkey(cert.get(), X509_REQ_get0_pubkey(req->get())) == 1 && addSubjectAltNames(cert.get(), terms)
        && addExtension(cert.get(), caCert->get(), NID_basic_constraints, "critical,CA:FALSE")
        && addExtension(cert.get(), caCert->get(), NID_key_usage, "critical,digitalSignature")
        // Either member may open the session, so both TLS roles are allowed.
        && addExtension(cert.get(), caCert->get(), NID_ext_key_usage, "serverAuth,clientAuth")
        && addExtension(cert.get(), caCert->get(), NID_subject_key_identifier, "hash")
        && addExtension(cert.get(), caCert->get(), NID_authority_key_identifier, "keyid:always");
    if (!built)
        return makeError("cert.sign_failed", opensslError());
    return signAndEncode(cert.get(), caKey->get());
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
