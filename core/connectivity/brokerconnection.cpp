#include "connectivity/brokerconnection.h"

#include "common/logging.h"
#include "ipc/framedchannel.h"

#include <QRandomGenerator>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTimer>

namespace pvc::core {

namespace {
constexpr int MaxBackoffMs = 15000;
constexpr int ConnectTimeoutMs = 5000;
} // namespace

BrokerConnection::BrokerConnection(const HostPort& address, QObject* parent)
    : QObject(parent)
    , m_address(address)
    , m_retryTimer(new QTimer(this))
{
    m_retryTimer->setSingleShot(true);
    connect(m_retryTimer, &QTimer::timeout, this, &BrokerConnection::connectNow);
}

BrokerConnection::~BrokerConnection() = default;

void BrokerConnection::start()
{
    connectNow();
}

void BrokerConnection::send(const QJsonObject& message)
{
    if (m_connected && m_channel)
        m_channel->send(message);
}

qint64 BrokerConnection::pendingBytes() const
{
    return m_socket ? m_socket->bytesToWrite() + m_socket->encryptedBytesToWrite() : 0;
}

void BrokerConnection::restart(const QString& reason)
{
    qCInfo(lcConnectivity) << "dropping session to broker" << m_address.toString() << "-" << reason;
    if (m_socket)
        m_socket->abort();
}

void BrokerConnection::connectNow()
{
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->deleteLater();
    }
    m_socket = new QSslSocket(this);
    QSslConfiguration config = QSslConfiguration::defaultConfiguration();
    config.setProtocol(QSsl::TlsV1_3OrLater);
    config.setPeerVerifyMode(QSslSocket::VerifyNone);
    config.setCaCertificates({});
    m_socket->setSslConfiguration(config);
    m_channel = new ipc::FramedChannel(m_socket, m_socket);

    // Small frames (presence, peer-session records, the TCP relay) must not wait for Nagle and the
    // broker's delayed acknowledgement: about 40 ms each time otherwise.
    connect(m_socket, &QAbstractSocket::connected, m_socket,
        [socket = m_socket] { socket->setSocketOption(QAbstractSocket::LowDelayOption, 1); });
    connect(m_socket, &QSslSocket::encrypted, this, &BrokerConnection::handleEncrypted);
    connect(m_socket, &QSslSocket::disconnected, this, &BrokerConnection::handleDisconnected);
    connect(m_socket, &QAbstractSocket::errorOccurred, this, [this](QAbstractSocket::SocketError) {
        if (m_socket->state() == QAbstractSocket::UnconnectedState)
            handleDisconnected();
    });
    connect(m_channel, &ipc::FramedChannel::messageReceived, this, &BrokerConnection::messageReceived);
    connect(m_channel, &ipc::FramedChannel::protocolErrorOccurred, this,
        [this](const QString& code, const QString& detail) { restart(code + QLatin1String(": ") + detail); });

    QTimer::singleShot(ConnectTimeoutMs, m_socket, [socket = m_socket] {
        if (!socket->isEncrypted())
            socket->abort();
    });
    m_socket->connectToHostEncrypted(m_address.host, m_address.port);
}

void BrokerConnection::handleEncrypted()
{
    const QByteArray fingerprint = m_socket->peerCertificate().digest(QCryptographicHash::Sha256);
    if (!m_pinned.isEmpty() && fingerprint != m_pinned) {
        const QString detail = QStringLiteral("broker %1 presented certificate %2, the project pins %3")
                                   .arg(m_address.toString(), QString::fromLatin1(fingerprint.toHex()),
                                       QString::fromLatin1(m_pinned.toHex()));
        qCWarning(lcConnectivity).noquote() << detail;
        Q_EMIT refused(QStringLiteral("broker.pin_mismatch"), detail);
        m_socket->abort(); // nothing was said; handleDisconnected reconnects after the backoff
        return;
    }
    m_backoffMs = 250;
    m_connected = true;
    m_tlsFingerprint = fingerprint;
    qCInfo(lcConnectivity) << "connected to broker" << m_address.toString();
    Q_EMIT connected();
}

void BrokerConnection::handleDisconnected()
{
    const bool wasConnected = m_connected;
    m_connected = false;
    if (wasConnected) {
        qCInfo(lcConnectivity) << "lost broker" << m_address.toString();
        Q_EMIT disconnected();
    }
    scheduleReconnect();
}

void BrokerConnection::scheduleReconnect()
{
    if (m_retryTimer->isActive())
        return;
    // Jitter keeps many hosts from reconnecting in lockstep after a broker restart.
    const int delay = m_backoffMs / 2 + int(QRandomGenerator::global()->bounded(m_backoffMs / 2 + 1));
    m_backoffMs = qMin(m_backoffMs * 2, MaxBackoffMs);
    m_retryTimer->start(delay);
}

} // namespace pvc::core

// Moc output compiled here rather than in the library's shared mocs_compilation.cpp, so that a binary
// that uses one class of this module does not pull in the others (and their libraries).
#include "moc_brokerconnection.cpp"
