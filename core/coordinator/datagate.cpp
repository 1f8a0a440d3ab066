#include "coordinator/datagate.h"

#include "common/logging.h"
#include "data/dataref.h"

#include <QFile>
#include <QLocalServer>
#include <QLocalSocket>
#include <QPointer>
#include <QVariant>

namespace pvc::core {

DataGate::DataGate(const QString& hostDataDirectory, const QString& insideDataDirectory, QObject* parent)
    : QObject(parent)
    , m_hostDirectory(hostDataDirectory)
    , m_insideDirectory(insideDataDirectory)
    , m_server(new QLocalServer(this))
{
    m_server->setSocketOptions(QLocalServer::UserAccessOption);
    connect(m_server, &QLocalServer::newConnection, this, &DataGate::accept);
}

DataGate::~DataGate()
{
    if (m_server->isListening()) {
        const QString path = m_server->fullServerName();
        m_server->close();
        QFile::remove(path);
    }
}

bool DataGate::listen(const QString& path, QString* error)
{
    QLocalServer::removeServer(path);
    if (!m_server->listen(path)) {
        *error = QStringLiteral("cannot listen at %1: %2").arg(path, m_server->errorString());
        return false;
    }
    return true;
}

void DataGate::accept()
{
    while (QLocalSocket* socket = m_server->nextPendingConnection()) {
        if (m_open >= MaxConnections) {
            connect(socket, &QLocalSocket::disconnected, socket, &QObject::deleteLater);
            answer(socket, "error data.busy too many requests at once\n");
            continue;
        }
        ++m_open;
        connect(socket, &QLocalSocket::disconnected, this, [this, socket] {
            --m_open;
            socket->deleteLater();
        });
        socket->setReadBufferSize(MaxRequestBytes + 1);
        connect(socket, &QLocalSocket::readyRead, this, [this, socket] { handle(socket); });
    }
}

void DataGate::handle(QLocalSocket* socket)
{
    if (socket->property("asked").toBool())
        return;
    if (!socket->canReadLine()) {
        if (socket->bytesAvailable() > MaxRequestBytes)
            answer(socket, "error data.bad_reference the request is one line of at most 600 bytes\n");
        return;
    }
    socket->setProperty("asked", true);
    const QString line = QString::fromUtf8(socket->readLine(MaxRequestBytes + 1)).trimmed();
    const auto ref = DataRef::parse(line);
    if (!ref)
        return answer(socket, QStringLiteral("error %1 %2\n").arg(ref.error().code, ref.error().detail).toUtf8());
    if (!m_fetcher)
        return answer(socket, "error data.not_running no data on this host\n");
    QPointer<QLocalSocket> guard(socket);
    m_fetcher(*ref, [this, guard](const Result<QString>& path) {
        if (!guard)
            return; // the task went away
        if (!path)
            return answer(guard, QStringLiteral("error %1 %2\n").arg(path.error().code, path.error().detail).toUtf8());
        if (!path->startsWith(m_hostDirectory + QLatin1Char('/')))
            return answer(guard, "error data.not_in_cache this host publishes it from elsewhere\n");
        answer(guard, QStringLiteral("ok %1\n").arg(m_insideDirectory + path->mid(m_hostDirectory.size())).toUtf8());
    });
}

void DataGate::answer(QLocalSocket* socket, const QByteArray& line)
{
    socket->write(line);
    socket->disconnectFromServer();
}

} // namespace pvc::core
