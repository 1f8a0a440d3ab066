#pragma once

#include "ipc/controlclient.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QString>
#include <functional>

class QLocalSocket;
class QTimer;

namespace pvc::ipc {
class FramedChannel;
}

namespace pvc::app {

// The GUI's side of the control API (docs/protocol.md, "Control API"): one long-lived, asynchronous
// connection to pvcd with numbered requests. It reconnects with a growing delay when pvcd is gone or
// restarts, and polls status and peers every two seconds while connected. Nothing here blocks.
class ControlConnection : public QObject {
    Q_OBJECT
public:
    using ReplyHandler = std::function<void(const ipc::ControlReply&)>;

    static constexpr int PollIntervalMs = 2000;
    static constexpr int DefaultTimeoutMs = 10000;

    ControlConnection(const QString& socketPath, QObject* parent);
    ~ControlConnection() override;

    QString socketPath() const { return m_socketPath; }
    bool isConnected() const { return m_connected; }
    // The last error of a failed connection attempt (control.unreachable, control.closed, ...).
    QString lastErrorCode() const { return m_lastErrorCode; }
    QJsonObject status() const { return m_status; }
    QJsonArray peers() const { return m_peers; }

    // Starts connecting; from then on the connection keeps itself up.
    void start();
    // Asks for status and peers now instead of at the next poll.
    void refresh();

    // Sends one request. The handler runs exactly once, later (never inside this call): with pvcd's
    // reply, or with control.timeout, control.closed or control.unreachable. It is skipped if `context`
    // is gone by then.
    void request(const QString& command, const QJsonObject& arguments, QObject* context, ReplyHandler handler,
        int timeoutMs = DefaultTimeoutMs);

    // True once pvcd answered control.unknown_command for this command (an older pvcd). Forgotten on
    // reconnection, since pvcd may have been upgraded in between.
    bool isUnavailable(const QString& command) const { return m_unavailable.contains(command); }

Q_SIGNALS:
    void connected();
    void disconnected(const QString& errorCode);
    void statusChanged(const QJsonObject& status);
    void peersChanged(const QJsonArray& peers);
    void commandUnavailable(const QString& command);

private:
    struct Pending {
        QString command;
        QPointer<QObject> context;
        ReplyHandler handler;
    };

    void connectNow();
    void handleConnected();
    void handleSocketGone();
    void handleMessage(const QJsonObject& message);
    void handleProtocolError(const QString& code, const QString& detail);
    void poll();
    void finish(qint64 id, const ipc::ControlReply& reply);
    void failLater(const QObject* context, const ReplyHandler& handler, const QString& code, const QString& detail);

    QString m_socketPath;
    QLocalSocket* m_socket = nullptr;
    ipc::FramedChannel* m_channel = nullptr;
    QTimer* m_pollTimer;
    QTimer* m_reconnectTimer;
    int m_backoffMs = 0;
    bool m_started = false;
    bool m_connected = false;
    bool m_statusInFlight = false;
    bool m_peersInFlight = false;
    QString m_lastErrorCode;
    qint64 m_nextId = 1;
    QHash<qint64, Pending> m_pending;
    QSet<QString> m_unavailable;
    QJsonObject m_status;
    QJsonArray m_peers;
};

} // namespace pvc::app
