#pragma once

#include "common/result.h"

#include <QByteArray>
#include <QString>
#include <memory>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

// Private to core/security (and the data plane's OpenSSL seam): the glue every OpenSSL caller needs,
// written once so that size limits, passphrase handling and error draining cannot drift apart between
// keys, certificates and TLS. No public header includes it, so OpenSSL stays out of other modules.
namespace pvc::core::openssl {

// A private key PEM is a few hundred bytes; anything near this limit is not ours.
inline constexpr qsizetype MaxKeyPem = 16 * 1024;

template <auto Fn> struct Deleter {
    template <typename T> void operator()(T* p) const { Fn(p); }
};
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using ReqPtr = std::unique_ptr<X509_REQ, Deleter<X509_REQ_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using NamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES_free>>;
using ExtensionPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;

// The first queued error's text, or an empty string when the queue is empty. Drains the thread's
// queue either way, so that stale entries never confuse a later call.
QString takeError();
// The same, but never empty: "unknown OpenSSL error" when nothing was queued.
QString opensslError();

// Never let OpenSSL prompt on a terminal for a passphrase: our keys are not encrypted.
int noPassphrase(char*, int, int, void*);

// A read-only memory BIO over data (which must outlive it), and the bytes written to a memory BIO.
BioPtr readBio(const QByteArray& data);
QByteArray bioBytes(BIO* bio);
// A fresh writable memory BIO.
BioPtr memoryBio();

// Raw PEM readers: null on failure, with OpenSSL's reason left in the error queue for the caller.
// They check no size: callers apply the limit that fits what they read.
PkeyPtr readPrivateKey(const QByteArray& pem);
PkeyPtr readPublicKey(const QByteArray& pem);
X509Ptr readCertificate(const QByteArray& pem);

// Any private key we may store: Ed25519 host and CA keys, and the broker's P-256 TLS key.
// Errors: key.too_large (over MaxKeyPem), key.malformed.
Result<PkeyPtr> loadAnyPrivate(const QByteArray& pem);
// Errors: as loadAnyPrivate, and key.bad_key_type.
Result<PkeyPtr> loadEd25519Private(const QByteArray& pem);
// Errors: cert.too_large (over certs::MaxCertificatePem), cert.malformed.
Result<X509Ptr> loadCertificate(const QByteArray& pem);

// A CSR whose PKCS#10 self-signature proves possession of an Ed25519 key; no other key type is
// admitted. Errors: csr.too_large (over certs::MaxCsrPem), csr.malformed, csr.bad_key_type,
// csr.bad_signature.
Result<ReqPtr> loadCsr(const QByteArray& pem);

// PEM encodings of a key. Errors: key.encode_failed.
Result<QByteArray> privateToPem(EVP_PKEY* key);
Result<QByteArray> publicToPem(EVP_PKEY* key);

} // namespace pvc::core::openssl
