#include "ipc/controlserver.h"

#include "common/logging.h"
#include "ipc/framedchannel.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLocalServer>
#include <QLocalSocket>

namespace pvc::ipc {

namespace {
constexpr int MaxClients = 64;
}

ControlResponder::ControlResponder(FramedChannel* channel, qint64 id)
    : m_channel(channel)
    , m_id(id)
{
}

void ControlResponder::reply(const QJsonObject& result)
{
    if (m_answered || !m_channel)
        return;
    m_answered = true;
    QJsonObject message = makeMessage("reply");
    message.insert(QStringLiteral("id"), m_id);
    message.insert(QStringLiteral("ok"), true);
    message.insert(QStringLiteral("result"), result);
    m_channel->send(message);
}

void ControlResponder::fail(const QString& code, const QString& detail)
{
    if (m_answered || !m_channel)
        return;
    m_answered = true;
    QJsonObject message = makeMessage("reply");
    message.insert(QStringLiteral("id"), m_id);
    message.insert(QStringLiteral("ok"), false);
    message.insert(QStringLiteral("error"),
        QJsonObject { { QStringLiteral("code"), code }, { QStringLiteral("detail"), detail } });
    m_channel->send(message);
}

ControlServer::ControlServer(ControlHandler handler, QObject* parent)
    : QObject(parent)
    , m_handler(std::move(handler))
    , m_server(new QLocalServer(this))
{
    m_server->setSocketOptions(QLocalServer::UserAccessOption);
    m_server->setMaxPendingConnections(MaxClients);
    connect(m_server, &QLocalServer::newConnection, this, &ControlServer::handleNewConnection);
}

bool ControlServer::listen(const QString& path, QString* error)
{
    const QString dir = QFileInfo(path).absolutePath();
    if (!QDir().mkpath(dir) || !QFile::setPermissions(dir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner)) {
        *error = QStringLiteral("cannot prepare %1").arg(dir);
        return false;
    }
    // A socket file left by a crashed pvcd is removed only if nothing answers on it.
    QLocalSocket probe;
    probe.connectToServer(path);
    if (probe.waitForConnected(200)) {
        *error = QStringLiteral("another pvcd already serves %1").arg(path);
        return false;
    }
    QLocalServer::removeServer(path);
    if (!m_server->listen(path)) {
        *error = m_server->errorString();
        return false;
    }
    return true;
}

QString ControlServer::path() const
{
    return m_server->fullServerName();
}

void ControlServer::handleNewConnection()
{
    while (QLocalSocket* socket = m_server->nextPendingConnection()) {
        auto* channel = new FramedChannel(socket, socket);
        connect(socket, &QLocalSocket::disconnected, socket, &QObject::deleteLater);
        connect(channel, &FramedChannel::protocolErrorOccurred, socket,
            [channel, socket](const QString& code, const QString& detail) {
                qCWarning(lcControl) << "control client sent a bad frame:" << code << detail;
                ControlResponder(channel, 0).fail(code, detail);
                socket->disconnectFromServer();
            });
        connect(channel, &FramedChannel::messageReceived, this, [this, channel](const QJsonObject& message) {
            auto responder
                = std::make_shared<ControlResponder>(channel, message.value(QLatin1String("id")).toInteger());
            if (messageType(message) != QLatin1String("request"))
                return responder->fail(QStringLiteral("control.bad_request"), QStringLiteral("expected a request"));
            m_handler(message.value(QLatin1String("cmd")).toString(), message.value(QLatin1String("args")).toObject(),
                responder);
        });
    }
}

} // namespace pvc::ipc
