#include "security/opensslutil.h"

#include "security/certificates.h"

#include <array>
#include <openssl/err.h>
#include <openssl/pem.h>

namespace pvc::core::openssl {

QString takeError()
{
    const unsigned long first = ERR_get_error();
    ERR_clear_error();
    if (first == 0)
        return {};
    std::array<char, 256> text {};
    ERR_error_string_n(first, text.data(), text.size());
    return QString::fromLatin1(text.data());
}

QString opensslError()
{
    const QString reason = takeError();
    return reason.isEmpty() ? QStringLiteral("unknown OpenSSL error") : reason;
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

BioPtr memoryBio()
{
    return BioPtr(BIO_new(BIO_s_mem()));
}

PkeyPtr readPrivateKey(const QByteArray& pem)
{
    BioPtr bio = readBio(pem);
    return PkeyPtr(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, noPassphrase, nullptr) : nullptr);
}

PkeyPtr readPublicKey(const QByteArray& pem)
{
    BioPtr bio = readBio(pem);
    return PkeyPtr(bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, noPassphrase, nullptr) : nullptr);
}

X509Ptr readCertificate(const QByteArray& pem)
{
    BioPtr bio = readBio(pem);
    return X509Ptr(bio ? PEM_read_bio_X509(bio.get(), nullptr, noPassphrase, nullptr) : nullptr);
}

Result<PkeyPtr> loadAnyPrivate(const QByteArray& pem)
{
    if (pem.size() > MaxKeyPem)
        return makeError("key.too_large");
    PkeyPtr key = readPrivateKey(pem);
    if (!key)
        return makeError("key.malformed", opensslError());
    return key;
}

Result<PkeyPtr> loadEd25519Private(const QByteArray& pem)
{
    auto key = loadAnyPrivate(pem);
    if (!key)
        return key;
    if (EVP_PKEY_get_id(key->get()) != EVP_PKEY_ED25519)
        return makeError("key.bad_key_type", QStringLiteral("not an Ed25519 key"));
    return key;
}

Result<X509Ptr> loadCertificate(const QByteArray& pem)
{
    if (pem.size() > certs::MaxCertificatePem)
        return makeError("cert.too_large", QStringLiteral("%1 bytes").arg(pem.size()));
    X509Ptr cert = readCertificate(pem);
    if (!cert)
        return makeError("cert.malformed", opensslError());
    return cert;
}

Result<ReqPtr> loadCsr(const QByteArray& pem)
{
    if (pem.size() > certs::MaxCsrPem)
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

Result<QByteArray> privateToPem(EVP_PKEY* key)
{
    BioPtr bio = memoryBio();
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
        return makeError("key.encode_failed", opensslError());
    return bioBytes(bio.get());
}

Result<QByteArray> publicToPem(EVP_PKEY* key)
{
    BioPtr bio = memoryBio();
    if (!bio || PEM_write_bio_PUBKEY(bio.get(), key) != 1)
        return makeError("key.encode_failed", opensslError());
    return bioBytes(bio.get());
}

} // namespace pvc::core::openssl
