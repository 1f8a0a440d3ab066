#include "fakebroker.h"

#include "ipc/framedchannel.h"
#include "security/keys.h"

#include <QSslConfiguration>
#include <QSslServer>
#include <QSslSocket>

FakeBroker::FakeBroker(quint16 port, Script script)
    : m_port(port)
    , m_script(std::move(script))
{
}

void FakeBroker::listen()
{
    const auto identity = pvc::core::keys::generateBrokerTlsIdentity(QStringLiteral("evil-broker"));
    m_server = new QSslServer(this);
    QSslConfiguration config = QSslConfiguration::defaultConfiguration();
    config.setLocalCertificate(QSslCertificate(identity->certificatePem));
    config.setPrivateKey(QSslKey(identity->privatePem, QSsl::Ec));
    config.setPeerVerifyMode(QSslSocket::VerifyNone);
    m_server->setSslConfiguration(config);
    connect(m_server, &QSslServer::pendingConnectionAvailable, this, &FakeBroker::handleConnection);
    m_server->listen(QHostAddress::LocalHost, m_port);
}

void FakeBroker::handleConnection()
{
    while (auto* socket = qobject_cast<QSslSocket*>(m_server->nextPendingConnection())) {
        // One host at a time is enough for these tests; the newest connection wins.
        m_channel = new pvc::ipc::FramedChannel(socket, socket);
        connect(m_channel, &pvc::ipc::FramedChannel::messageReceived, this, [this](const QJsonObject& message) {
            {
                QMutexLocker lock(&m_mutex);
                m_received << message;
            }
            m_script(this, message);
        });
        connect(socket, &QSslSocket::disconnected, socket, &QObject::deleteLater);
        QJsonObject challenge = pvc::ipc::makeMessage("challenge");
        challenge.insert(QStringLiteral("nonce"), QString::fromLatin1(QByteArray(32, 'n').toBase64()));
        challenge.insert(QStringLiteral("session"), QStringLiteral("00112233445566778899aabbccddeeff"));
        m_channel->send(challenge);
    }
}

void FakeBroker::send(const QJsonObject& message)
{
    if (m_channel)
        m_channel->send(message);
}

QList<QJsonObject> FakeBroker::received()
{
    QMutexLocker lock(&m_mutex);
    return m_received;
}
