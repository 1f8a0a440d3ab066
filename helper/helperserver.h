#pragma once

#include "peercred.h"

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QLoggingCategory>
#include <chrono>
#include <memory>
#include <vector>

Q_DECLARE_LOGGING_CATEGORY(lcHelper)

namespace pvc::helper {

// A message, and a descriptor to pass with it in the same sendmsg (SCM_RIGHTS).
struct Reply {
    QJsonObject message;
    int fd = -1;
    bool closeFdAfterSend = false; // the caller then holds the only copy
};

// The whole service: one Unix socket, a poll loop, and per connection the TUN devices, TTCP ports and
// SYN captures it holds. They are released when the connection ends, so a pvcd that is killed leaves
// nothing behind.
class HelperServer {
public:
    explicit HelperServer(const AccessPolicy& policy);
    ~HelperServer(); // closes every connection and removes the socket file

    bool listen(const QString& path, QString* error);
    // A listening socket someone else made (socket activation): served, and left in place at the end.
    void adopt(int listenFd) { m_listenFd = listenFd; }
    // Whether the injection guard's rule is in place (injectionguard.h); without it inject-syn is refused.
    void setInjectionGuard(bool installed, const QString& why)
    {
        m_injectionGuard = installed;
        m_noGuardWhy = why;
    }
    // Serves until stopFd becomes readable (a signalfd for SIGTERM and SIGINT).
    void run(int stopFd);

private:
    struct Connection;

    static QString unsafeDirectory(const QByteArray& socketPath);
    void acceptConnections();
    int connectionsOf(uid_t uid) const;
    int nextTimeoutMs() const;
    // One request of the per-uid Traversing-TCP budget; false when it is spent.
    bool spend(const Connection& connection);
    bool readRequests(Connection& connection);
    Reply handle(Connection& connection, const QJsonObject& request);
    Reply openTun(Connection& connection, const QJsonObject& request);
    Reply openDns(Connection& connection, const QJsonObject& request);
    Reply close(Connection& connection, const QJsonObject& request);
    // Traversing-TCP (paper section 4.4.3): the server side declares its port and has SYNs injected;
    // the client side has its own outgoing SYN captured.
    Reply allowTtcp(Connection& connection, const QJsonObject& request);
    Reply injectSyn(Connection& connection, const QJsonObject& request);
    Reply captureSyn(Connection& connection, const QJsonObject& request);
    Reply takeSyn(Connection& connection, const QJsonObject& request);
    // Logs and sends; false when the reply could not be sent and the connection must be dropped.
    bool send(Connection& connection, const QString& command, const Reply& reply);

    AccessPolicy m_policy;
    QByteArray m_path;
    int m_listenFd = -1;
    bool m_injectionGuard = false;
    QString m_noGuardWhy = QStringLiteral("the injection guard was not installed");
    std::vector<std::unique_ptr<Connection>> m_connections;
    QHash<uid_t, QList<std::chrono::steady_clock::time_point>> m_costly; // the budget's recent requests, oldest first
};

} // namespace pvc::helper
