#pragma once

#include "common/result.h"

#include <QByteArray>
#include <QString>

// Ed25519 keys and signatures (OpenSSL EVP). Keys cross this API as PEM so that no OpenSSL
// header leaks into the rest of the tree; the control plane signs rarely, so parsing per call is fine.
namespace pvc::core::keys {

struct KeyPair {
    QByteArray privatePem; // PKCS#8 "PRIVATE KEY"; never logged
    QByteArray publicPem; // SubjectPublicKeyInfo "PUBLIC KEY"
};

Result<KeyPair> generateEd25519();
// Public key of a private key, as PEM.
Result<QByteArray> publicFromPrivate(const QByteArray& privatePem);
// A raw 64-byte Ed25519 signature over message.
Result<QByteArray> sign(const QByteArray& privatePem, const QByteArray& message);
bool verify(const QByteArray& publicPem, const QByteArray& message, const QByteArray& signature);

// Writes a private key atomically with mode 0600 (never wider, not even for an instant).
bool writePrivateKeyFile(const QString& path, const QByteArray& privatePem, QString* error);
// Reads a private key file; refuses one whose mode lets group or others read it.
Result<QByteArray> readPrivateKeyFile(const QString& path);

// An ECDSA P-256 self-signed TLS identity for a broker's listening socket. The broker is not
// trusted, so nothing depends on this certificate beyond encrypting the session.
struct TlsIdentity {
    QByteArray certificatePem;
    QByteArray privatePem;
};
Result<TlsIdentity> generateBrokerTlsIdentity(const QString& commonName);

} // namespace pvc::core::keys
