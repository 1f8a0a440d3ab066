#pragma once

#include "security/tlssession.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <functional>
#include <memory>

class QTimer;

namespace pvc::ipc {
class FrameReader;
}

namespace pvc::core {

// An authenticated channel to one peer: mutual TLS 1.3 over an opaque byte stream (today a
// broker relay stream). The channel counts as authenticated only once the peer's first
// application record arrives: in TLS 1.3 a client finishes its handshake before the server has
// judged the client's certificate (DESIGN.md, Facts about TLS). Keepalive pings measure the
// round-trip time and detect a peer that has vanished.
class PeerSession : public QObject {
    Q_OBJECT
public:
    using SendFunction = std::function<void(const QByteArray& ciphertext)>;
    // Called once the TLS handshake completes, with the peer's certificate (already chained to
    // the CA). Returns an error code to refuse the peer before any hello is sent, or empty to accept.
    using PeerCheck = std::function<QString(const QByteArray& peerCertificatePem)>;

    PeerSession(
        const QString& peerName, std::unique_ptr<TlsSession> tls, SendFunction send, PeerCheck check, QObject* parent);
    ~PeerSession() override;

    void start();
    void handleCiphertext(const QByteArray& bytes);
    // The transport went away (relay closed, broker lost).
    void handleTransportClosed(const QString& code);
    void close(const QString& code);

    QString peerName() const { return m_peerName; }
    bool isAuthenticated() const { return m_authenticated; }
    bool isClosed() const { return m_closed; }
    QByteArray peerCertificatePem() const;
    double rttMs() const { return m_rttMs; }
    // Application records other than hello/ping/pong (e.g. the tunnel offer), once authenticated.
    void sendRecord(const QJsonObject& record);
    // How many bytes the transport has queued and not yet sent (0 if unknown): the tunnel's TCP relay
    // drops datagrams rather than queue without bound.
    void setBacklogProbe(std::function<qint64()> probe) { m_backlog = std::move(probe); }
    qint64 transportBacklog() const { return m_backlog ? m_backlog() : 0; }
    Result<QByteArray> exportKeyingMaterial(const QByteArray& label, const QByteArray& context, int length) const
    {
        return m_tls->exportKeyingMaterial(label, context, length);
    }
    bool isTlsClient() const { return m_client; }
    void setTlsClient(bool client) { m_client = client; }
    // Sends one ping; done(rttMs) is called with -1 on timeout or close.
    void ping(std::function<void(double)> done);

    static constexpr int KeepaliveMs = 5000;
    static constexpr int DeadAfterMs = 15000;

Q_SIGNALS:
    void authenticated();
    void recordReceived(const QJsonObject& record);
    void closed(const QString& code);

private:
    void flush();
    void handleRecord(const QJsonObject& record);
    void handleKeepalive();

    QString m_peerName;
    std::unique_ptr<TlsSession> m_tls;
    SendFunction m_send;
    std::function<qint64()> m_backlog;
    PeerCheck m_check;
    std::unique_ptr<ipc::FrameReader> m_records;
    QTimer* m_keepalive;
    QElapsedTimer m_sinceHeard;
    QHash<qint64, QElapsedTimer> m_pingsOut;
    QHash<qint64, std::function<void(double)>> m_pingWaiters;
    qint64 m_nextPing = 1;
    double m_rttMs = -1;
    bool m_helloSent = false;
    bool m_authenticated = false;
    bool m_closed = false;
    bool m_client = false;
};

} // namespace pvc::core
