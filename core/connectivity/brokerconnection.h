#pragma once

#include "security/projectbundle.h"

#include <QJsonObject>
#include <QObject>

class QSslSocket;
class QTimer;

namespace pvc::ipc {
class FramedChannel;
}

namespace pvc::core {

// One TLS session to one broker, kept up with exponential backoff. It carries frames; what is
// said over it belongs to the owner (pvcd or the master). The broker is not trusted with anything that
// matters (that is signed by the master or protected end to end), but it must be one of the project's:
// when the project bundle pins its certificate (SHA-256), any other certificate ends the session at once
// (broker.pin_mismatch) and nothing is said over it.
class BrokerConnection : public QObject {
    Q_OBJECT
public:
    BrokerConnection(const HostPort& address, QObject* parent);
    ~BrokerConnection() override;

    // The SHA-256 of the certificate this broker must present; empty: not pinned (older bundles).
    void setPinnedFingerprint(const QByteArray& sha256) { m_pinned = sha256; }
    bool isPinned() const { return !m_pinned.isEmpty(); }
    void start();
    void send(const QJsonObject& message);
    // Drops the session (e.g. after a refusal) and reconnects after the backoff.
    void restart(const QString& reason);

    HostPort address() const { return m_address; }
    bool isConnected() const { return m_connected; }
    // Bytes queued on the connection and not yet written to the network (backpressure for the TCP relay).
    qint64 pendingBytes() const;
    // SHA-256 of the broker's TLS certificate, bound into signed hellos so they cannot be replayed elsewhere.
    QByteArray tlsFingerprint() const { return m_tlsFingerprint; }

Q_SIGNALS:
    void connected();
    void disconnected();
    void messageReceived(const QJsonObject& message);
    // The session was refused on our side before anything was said (code: broker.pin_mismatch).
    void refused(const QString& code, const QString& detail);

private:
    void connectNow();
    void handleEncrypted();
    void handleDisconnected();
    void scheduleReconnect();

    HostPort m_address;
    QSslSocket* m_socket = nullptr;
    ipc::FramedChannel* m_channel = nullptr;
    QTimer* m_retryTimer;
    int m_backoffMs = 250;
    bool m_connected = false;
    QByteArray m_tlsFingerprint;
    QByteArray m_pinned;
};

} // namespace pvc::core
