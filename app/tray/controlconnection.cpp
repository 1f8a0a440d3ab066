#include "controlconnection.h"

#include "ipc/controlcommands.h"
#include "ipc/frame.h"
#include "ipc/framedchannel.h"

#include <QLocalSocket>
#include <QTimer>

namespace pvc::app {

namespace {
constexpr int FirstBackoffMs = 250;
constexpr int MaxBackoffMs = 4000;

ipc::ControlReply failure(const QString& code, const QString& detail)
{
    ipc::ControlReply reply;
    reply.errorCode = code;
    reply.errorDetail = detail;
    return reply;
}
} // namespace

ControlConnection::ControlConnection(const QString& socketPath, QObject* parent)
    : QObject(parent)
    , m_socketPath(socketPath)
    , m_pollTimer(new QTimer(this))
    , m_reconnectTimer(new QTimer(this))
{
    m_pollTimer->setInterval(PollIntervalMs);
    connect(m_pollTimer, &QTimer::timeout, this, &ControlConnection::poll);
    m_reconnectTimer->setSingleShot(true);
    connect(m_reconnectTimer, &QTimer::timeout, this, &ControlConnection::connectNow);
}

// Pending handlers are dropped unanswered: whoever destroys the connection is going away too.
ControlConnection::~ControlConnection() = default;

void ControlConnection::start()
{
    if (m_started)
        return;
    m_started = true;
    connectNow();
}

void ControlConnection::refresh()
{
    if (m_connected)
        poll();
}

void ControlConnection::connectNow()
{
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
    }
    m_socket = new QLocalSocket(this);
    m_channel = new ipc::FramedChannel(m_socket, m_socket);
    QLocalSocket* socket = m_socket;
    connect(socket, &QLocalSocket::connected, this, &ControlConnection::handleConnected);
    connect(socket, &QLocalSocket::disconnected, this, [this, socket] {
        if (socket == m_socket)
            handleSocketGone();
    });
    connect(socket, &QLocalSocket::errorOccurred, this, [this, socket] {
        if (socket == m_socket)
            handleSocketGone();
    });
    connect(m_channel, &ipc::FramedChannel::messageReceived, this, &ControlConnection::handleMessage);
    connect(m_channel, &ipc::FramedChannel::protocolErrorOccurred, this, &ControlConnection::handleProtocolError);
    socket->connectToServer(m_socketPath);
}

void ControlConnection::handleConnected()
{
    m_connected = true;
    m_backoffMs = 0;
    m_lastErrorCode.clear();
    m_unavailable.clear();
    m_pollTimer->start();
    Q_EMIT connected();
    poll();
}

void ControlConnection::handleSocketGone()
{
    if (m_reconnectTimer->isActive())
        return; // errorOccurred and disconnected both report the same loss
    const bool wasConnected = m_connected;
    const bool firstFailure = m_lastErrorCode.isEmpty();
    m_lastErrorCode = wasConnected ? QStringLiteral("control.closed") : QStringLiteral("control.unreachable");
    m_connected = false;
    m_statusInFlight = false;
    m_peersInFlight = false;
    m_pollTimer->stop();
    m_status = {};
    m_peers = {};

    const QList<qint64> ids = m_pending.keys();
    for (const qint64 id : ids)
        finish(id, failure(QStringLiteral("control.closed"), tr("pvcd closed the connection")));

    m_backoffMs = m_backoffMs == 0 ? FirstBackoffMs : qMin(m_backoffMs * 2, MaxBackoffMs);
    m_reconnectTimer->start(m_backoffMs);
    // Report a change, not every failed attempt.
    if (wasConnected || firstFailure)
        Q_EMIT disconnected(m_lastErrorCode);
}

void ControlConnection::handleProtocolError(const QString& code, const QString& detail)
{
    qWarning("pvc-tray: bad frame from pvcd: %s (%s)", qPrintable(code), qPrintable(detail));
    m_socket->abort();
}

void ControlConnection::request(
    const QString& command, const QJsonObject& arguments, QObject* context, ReplyHandler handler, int timeoutMs)
{
    if (!m_connected) {
        failLater(context, handler, QStringLiteral("control.unreachable"), tr("pvcd is not connected"));
        return;
    }
    const qint64 id = m_nextId++;
    QJsonObject frame = ipc::makeMessage("request");
    frame.insert(QStringLiteral("id"), id);
    frame.insert(QStringLiteral("cmd"), command);
    frame.insert(QStringLiteral("args"), arguments);
    m_pending.insert(id, Pending { command, context ? context : this, std::move(handler) });
    m_channel->send(frame);
    QTimer::singleShot(timeoutMs, this, [this, id] {
        if (m_pending.contains(id))
            finish(id, failure(QStringLiteral("control.timeout"), tr("pvcd did not answer in time")));
    });
}

void ControlConnection::failLater(
    const QObject* context, const ReplyHandler& handler, const QString& code, const QString& detail)
{
    QTimer::singleShot(0, context ? context : this, [handler, code, detail] { handler(failure(code, detail)); });
}

void ControlConnection::handleMessage(const QJsonObject& message)
{
    if (ipc::messageType(message) != QLatin1String("reply"))
        return;
    const qint64 id = message.value(QLatin1String("id")).toInteger();
    const auto it = m_pending.constFind(id);
    if (it == m_pending.cend())
        return; // answered after its timeout
    ipc::ControlReply reply;
    reply.ok = message.value(QLatin1String("ok")).toBool();
    reply.result = message.value(QLatin1String("result")).toObject();
    const QJsonObject error = message.value(QLatin1String("error")).toObject();
    reply.errorCode = error.value(QLatin1String("code")).toString();
    reply.errorDetail = error.value(QLatin1String("detail")).toString();
    if (!reply.ok && reply.errorCode == QLatin1String("control.unknown_command")
        && !m_unavailable.contains(it->command)) {
        m_unavailable.insert(it->command);
        Q_EMIT commandUnavailable(it->command);
    }
    finish(id, reply);
}

void ControlConnection::finish(qint64 id, const ipc::ControlReply& reply)
{
    const Pending pending = m_pending.take(id);
    if (pending.context && pending.handler)
        pending.handler(reply);
}

void ControlConnection::poll()
{
    if (!m_connected)
        return;
    if (!m_statusInFlight) {
        m_statusInFlight = true;
        request(ipc::command::Status, {}, this, [this](const ipc::ControlReply& reply) {
            m_statusInFlight = false;
            if (reply.ok && m_connected) {
                m_status = reply.result;
                Q_EMIT statusChanged(m_status);
            }
        });
    }
    if (!m_peersInFlight) {
        m_peersInFlight = true;
        request(ipc::command::Peers, {}, this, [this](const ipc::ControlReply& reply) {
            m_peersInFlight = false;
            if (reply.ok && m_connected) {
                m_peers = reply.result.value(QLatin1String("peers")).toArray();
                Q_EMIT peersChanged(m_peers);
            }
        });
    }
}

} // namespace pvc::app
