#include "grid/managerrelay.h"

#include "common/logging.h"
#include "grid/streamsplice.h"

#include <QFile>
#include <QLocalServer>
#include <QLocalSocket>
#include <QTcpSocket>
#include <QTimer>

namespace pvc::core {

ManagerRelay::ManagerRelay(Resolver resolver, QObject* parent)
    : QObject(parent)
    , m_resolver(std::move(resolver))
    , m_server(new QLocalServer(this))
{
    m_server->setSocketOptions(QLocalServer::UserAccessOption);
    connect(m_server, &QLocalServer::newConnection, this, &ManagerRelay::accept);
}

ManagerRelay::~ManagerRelay()
{
    close();
}

bool ManagerRelay::listen(const QString& path, QString* error)
{
    close();
    QLocalServer::removeServer(path);
    if (!m_server->listen(path)) {
        *error = QStringLiteral("cannot listen at %1: %2").arg(path, m_server->errorString());
        return false;
    }
    return true;
}

void ManagerRelay::close()
{
    if (!m_server->isListening())
        return;
    const QString path = m_server->fullServerName();
    m_server->close();
    QFile::remove(path);
}

QString ManagerRelay::path() const
{
    return m_server->fullServerName();
}

void ManagerRelay::setConnected(int delta)
{
    m_connected += delta;
    Q_EMIT connectedChanged(m_connected);
}

void ManagerRelay::accept()
{
    while (QLocalSocket* local = m_server->nextPendingConnection()) {
        const std::optional<Target> target = m_resolver ? m_resolver() : std::nullopt;
        if (!target || m_open >= MaxConnections) {
            m_lastError = target ? QStringLiteral("too many connections to the manager")
                                 : QStringLiteral("the manager's address is not known yet");
            local->abort();
            local->deleteLater();
            continue;
        }
        relay(local, *target);
    }
}

void ManagerRelay::relay(QLocalSocket* local, const Target& target)
{
    {
        ++m_open;
        auto* tcp = new QTcpSocket(local);
        tcp->setReadBufferSize(StreamSplice::MaxPending);
        local->setReadBufferSize(StreamSplice::MaxPending);
        struct State {
            bool up = false;
            bool closed = false;
        };
        auto state = std::make_shared<State>();
        auto finish = [this, local, state] {
            if (state->closed)
                return;
            state->closed = true;
            if (state->up)
                setConnected(-1);
            --m_open;
            local->abort();
            local->deleteLater();
        };
        auto fail = [this, tcp, finish, target](const QString& why) {
            m_lastError = QStringLiteral("manager %1:%2: %3").arg(target.address.toString()).arg(target.port).arg(why);
            qCInfo(lcGrid) << "worker connection to the manager failed:" << m_lastError;
            tcp->abort();
            finish();
        };
        connect(tcp, &QTcpSocket::connected, local, [this, tcp, local, state, finish] {
            state->up = true;
            // Work Queue speaks in small request/answer messages: without TCP_NODELAY each would wait
            // on Nagle's algorithm against the peer's delayed ACK (tens of ms per message).
            tcp->setSocketOption(QAbstractSocket::LowDelayOption, 1);
            setConnected(+1);
            m_lastError.clear();
            auto* splice = new StreamSplice(local, tcp, local);
            connect(splice, &StreamSplice::finished, local, finish);
        });
        connect(tcp, &QTcpSocket::errorOccurred, local, [tcp, state, fail] {
            if (!state->up)
                fail(tcp->errorString());
        });
        connect(local, &QLocalSocket::disconnected, this, [state, tcp, finish] {
            if (!state->up) {
                tcp->abort();
                finish();
            }
        });
        QTimer::singleShot(ConnectTimeoutMs, tcp, [state, fail] {
            if (!state->up && !state->closed)
                fail(QStringLiteral("no answer within %1 s").arg(ConnectTimeoutMs / 1000));
        });
        tcp->connectToHost(target.address, target.port);
    }
}

} // namespace pvc::core
