#include "brokerserver.h"

#include "brokersession.h"
#include "common/logging.h"
#include "ipc/framedchannel.h"

#include <QSslConfiguration>
#include <QSslServer>
#include <QSslSocket>
#include <QTimer>
#include <QUdpSocket>

namespace pvc::broker {

namespace {
constexpr int HelloTimeoutMs = 10000;
} // namespace

BrokerServer::BrokerServer(BrokerStore* store, const QSslCertificate& certificate, const QSslKey& key, QObject* parent)
    : QObject(parent)
    , m_hub(store, certificate.digest(QCryptographicHash::Sha256))
    , m_server(new QSslServer(this))
    , m_udp(new QUdpSocket(this))
    , m_stunAlt(new QUdpSocket(this))
{
    QSslConfiguration config = QSslConfiguration::defaultConfiguration();
    config.setProtocol(QSsl::TlsV1_3OrLater);
    config.setLocalCertificate(certificate);
    config.setPrivateKey(key);
    config.setPeerVerifyMode(QSslSocket::VerifyNone);
    m_server->setSslConfiguration(config);
    m_server->setHandshakeTimeout(HelloTimeoutMs);
    connect(m_server, &QSslServer::pendingConnectionAvailable, this, &BrokerServer::handleNewConnection);
    connect(m_udp, &QUdpSocket::readyRead, this, &BrokerServer::handleDatagrams);
    connect(m_stunAlt, &QUdpSocket::readyRead, this, &BrokerServer::handleAltStun);
}

bool BrokerServer::listen(const QHostAddress& address, quint16 port, QString* error)
{
    if (!m_server->listen(address, port)) {
        *error = m_server->errorString();
        return false;
    }
    if (!m_udp->bind(address, m_server->serverPort())) {
        *error = QStringLiteral("UDP: ") + m_udp->errorString();
        return false;
    }
    // A second STUN port (any free one, announced in the welcome) lets a member behind a symmetric NAT
    // see that its mapping changes with the destination even when the project has one broker
    // (docs/protocol.md 2.8). Optional.
    if (m_stunAlt->bind(address, 0))
        m_hub.setStunAltPort(m_stunAlt->localPort());
    else
        qCWarning(lcBroker) << "no second STUN port:" << m_stunAlt->errorString();
    return true;
}

void BrokerServer::handleNewConnection()
{
    while (m_server->hasPendingConnections()) {
        auto* socket = qobject_cast<QSslSocket*>(m_server->nextPendingConnection());
        if (socket)
            acceptConnection(socket);
    }
}

void BrokerServer::acceptConnection(QSslSocket* socket)
{
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1); // relayed records must not wait for Nagle
    auto* channel = new ipc::FramedChannel(socket, socket);
    const QString observed = socket->peerAddress().toString() + QLatin1Char(':') + QString::number(socket->peerPort());
    Session* session = m_hub.openSession(
        observed, [channel](const QJsonObject& message) { channel->send(message); },
        [socket] { socket->disconnectFromHost(); });
    if (!session) {
        socket->abort();
        socket->deleteLater();
        return;
    }
    m_sessions.emplace(socket, session);

    connect(channel, &ipc::FramedChannel::messageReceived, this, [this, socket](const QJsonObject& message) {
        if (const auto it = m_sessions.find(socket); it != m_sessions.end())
            m_hub.handleMessage(it->second, message);
    });
    connect(channel, &ipc::FramedChannel::protocolErrorOccurred, this,
        [this, socket](const QString& code, const QString& detail) {
            const auto it = m_sessions.find(socket);
            if (it == m_sessions.end())
                return;
            qCWarning(lcBroker) << "session" << it->second->id << "sent a bad frame:" << code << detail;
            refuse(it->second, code, detail, true);
        });
    connect(socket, &QSslSocket::disconnected, this, [this, socket] { handleDisconnected(socket); });
    QTimer::singleShot(HelloTimeoutMs, socket, [this, socket] {
        const auto it = m_sessions.find(socket);
        if (it != m_sessions.end() && it->second->role == BrokerRole::None)
            refuse(it->second, "hello.timeout", QStringLiteral("no hello in time"), true);
    });
}

void BrokerServer::handleDisconnected(QSslSocket* socket)
{
    const auto it = m_sessions.find(socket);
    if (it == m_sessions.end())
        return;
    Session* session = it->second;
    m_sessions.erase(it);
    m_hub.closeSession(session);
    socket->deleteLater();
}

} // namespace pvc::broker
