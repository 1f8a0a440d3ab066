#pragma once

#include "common/result.h"

#include <QByteArray>
#include <QString>
#include <memory>

// Mutual TLS 1.3 between two members over any byte stream (OpenSSL with memory BIOs). The
// program moves the ciphertext itself, so the same session works over a broker relay, where the
// broker only ever sees ciphertext. Chains go to the project CA only; no system roots are loaded.
namespace pvc::core {

class TlsSession {
public:
    enum class Role { Client, Server };
    struct Config {
        Role role = Role::Client;
        QByteArray certificatePem; // our membership certificate
        QByteArray privatePem; // our host key
        QByteArray caCertificatePem; // the project CA: the only trust anchor
        QString expectedPeerIp; // if set, the peer certificate's IP SAN must match
    };

    static Result<std::unique_ptr<TlsSession>> create(const Config& config);
    ~TlsSession();
    TlsSession(const TlsSession&) = delete;
    TlsSession& operator=(const TlsSession&) = delete;

    // Client: produces the ClientHello in outgoing(). Server: no-op.
    bool start();
    // Ciphertext from the transport. Returns false on a fatal error (see error()).
    bool feed(const QByteArray& ciphertext);
    // Ciphertext to send to the transport; empties the buffer.
    QByteArray takeOutgoing();
    // Encrypts application data (only after the handshake).
    bool write(const QByteArray& plaintext);
    // Decrypted application data received so far; empties the buffer.
    QByteArray takePlaintext();

    bool handshakeComplete() const;
    bool failed() const;
    Error error() const; // tls.handshake_failed, tls.peer_untrusted, tls.peer_ip_mismatch, tls.closed, ...
    QByteArray peerCertificatePem() const;
    // RFC 5705 / RFC 8446 section 7.5 exporter; identical on both ends of one session.
    Result<QByteArray> exportKeyingMaterial(const QByteArray& label, int length) const;
    // The same with a context (e.g. a key epoch); a context, even empty, gives other bytes than none.
    Result<QByteArray> exportKeyingMaterial(const QByteArray& label, const QByteArray& context, int length) const;

private:
    TlsSession();
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace pvc::core
