#pragma once

#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <functional>
#include <memory>

class QLocalServer;
class QLocalSocket;

namespace pvc::ipc {

class FramedChannel;

// One pending answer to a control request. It may be answered later (join waits for the
// master); if the client has gone by then, the answer is dropped.
class ControlResponder {
public:
    ControlResponder(FramedChannel* channel, qint64 id);
    void reply(const QJsonObject& result);
    void fail(const QString& code, const QString& detail);
    bool answered() const { return m_answered; }

private:
    QPointer<FramedChannel> m_channel;
    qint64 m_id;
    bool m_answered = false;
};

using ControlHandler
    = std::function<void(const QString& command, const QJsonObject& arguments, std::shared_ptr<ControlResponder>)>;

// The control API server (docs/protocol.md, "Control API") on a Unix socket only the user can reach.
class ControlServer : public QObject {
    Q_OBJECT
public:
    ControlServer(ControlHandler handler, QObject* parent);
    bool listen(const QString& path, QString* error);
    QString path() const;

private:
    void handleNewConnection();

    ControlHandler m_handler;
    QLocalServer* m_server;
};

} // namespace pvc::ipc
