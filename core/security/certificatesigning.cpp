#include "security/certificates.h"
#include "security/opensslutil.h"

#include <QHostAddress>
#include <QRegularExpression>
#include <algorithm>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <utility>

// Issuing: the project's self-signed CA, a host's CSR, and the membership certificate the master signs
// for it. Every term is checked before OpenSSL sees it, so no caller can inject a name or extension.
namespace pvc::core::certs {

using namespace openssl;

namespace {

constexpr int MaxValidityDays = 36500;
constexpr qint64 MinValiditySeconds = 10;
constexpr qint64 BackDatingSeconds = 300;
constexpr qsizetype MaxNameLength = 64; // RFC 5280 ub-common-name and ub-organizational-unit-name
constexpr qsizetype MaxGroups = 32; // keeps every membership certificate far below MaxCertificatePem

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
    if (terms.validitySeconds < MinValiditySeconds || terms.validitySeconds > qint64(MaxValidityDays) * 86400)
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
    // Five minutes of back-dating absorbs clock skew between the master and a newly enrolled host (a tenth
    // of a validity shorter than 50 minutes, so that a short-lived test certificate keeps its proportions).
    const long backDating = long(std::min(BackDatingSeconds, terms.validitySeconds / 10));
    built = built && X509_time_adj_ex(X509_getm_notBefore(cert.get()), 0, -backDating, nullptr) != nullptr
        && X509_time_adj_ex(X509_getm_notAfter(cert.get()), int(terms.validitySeconds / 86400),
               long(terms.validitySeconds % 86400), nullptr)
            != nullptr
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

} // namespace pvc::core::certs
