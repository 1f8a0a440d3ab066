#pragma once

#include <QHostAddress>
#include <QObject>
#include <functional>
#include <optional>

class QLocalServer;
class QLocalSocket;

namespace pvc::core {

// pvcd's end of the sandbox's only way out (docs/grid.md): a Unix socket that the worker's sandbox
// has bound in; each connection on it is spliced to a new TCP connection from this host's overlay
// address to the manager's virtual IP and port. The address is looked up at each connection (the
// admin may move the manager), so a worker that reconnects follows it.
class ManagerRelay : public QObject {
    Q_OBJECT
public:
    struct Target {
        QHostAddress address;
        quint16 port = 0;
    };
    using Resolver = std::function<std::optional<Target>()>;
    static constexpr int MaxConnections = 16;
    static constexpr int ConnectTimeoutMs = 10000;

    ManagerRelay(Resolver resolver, QObject* parent);
    ~ManagerRelay() override;

    // Listens at path (removing a stale socket file first), owner-only.
    bool listen(const QString& path, QString* error);
    void close();
    QString path() const;
    // Connections whose TCP side is up.
    int connected() const { return m_connected; }
    QString lastError() const { return m_lastError; }

Q_SIGNALS:
    void connectedChanged(int connected);

private:
    void accept();
    // Splices one worker connection to a new TCP connection to the manager.
    void relay(QLocalSocket* local, const Target& target);
    void setConnected(int delta);

    Resolver m_resolver;
    QLocalServer* m_server;
    int m_open = 0;
    int m_connected = 0;
    QString m_lastError;
};

} // namespace pvc::core
