#pragma once

#include "security/projectbundle.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <functional>
#include <memory>

namespace pvc::ipc {
class ControlResponder;
class ControlServer;
} // namespace pvc::ipc

namespace pvc::core {

class BrokerDispatch;
class Enrolment;
class GridWork;
class OwnerControl;
class PeerDirectory;
class PolicyStore;
class Reachability;
class TunnelManager;

// pvcd's control API (docs/protocol.md, "Control API"): the socket that `pvc` and the tray talk to, a
// table from command name to handler, and the status and peers objects they read. The handlers only
// translate; every decision stays in the module they call.
class ControlApi : public QObject {
    Q_OBJECT
public:
    struct Modules {
        Enrolment* enrolment;
        PolicyStore* policies;
        PeerDirectory* peers;
        TunnelManager* tunnels;
        Reachability* reachability;
        BrokerDispatch* brokers;
        OwnerControl* owner;
        GridWork* grid;
    };
    using Responder = std::shared_ptr<ipc::ControlResponder>;
    using Handler = std::function<void(const QJsonObject& arguments, const Responder& responder)>;

    ControlApi(const ProjectBundle& bundle, const Modules& modules, QObject* parent);
    ~ControlApi() override;

    bool listen(const QString& path, QString* error);
    void handleCommand(const QString& command, const QJsonObject& arguments, Responder responder);

    QJsonObject statusJson() const;
    QJsonArray peersJson() const;

    // For modules wired after this one (the data module): a command of their own, and a part of the status.
    void addCommand(const QString& command, Handler handler) { m_handlers.insert(command, std::move(handler)); }
    void addStatusPart(const QString& key, std::function<QJsonValue()> part)
    {
        m_statusParts.insert(key, std::move(part));
    }

private:
    void addHandlers();
    void join(const QJsonObject& arguments, const Responder& responder);
    void setPolicy(const QJsonObject& arguments, const Responder& responder);
    void ping(const QJsonObject& arguments, const Responder& responder);
    bool handleOwnerCommand(const QString& command, const QJsonObject& arguments, const Responder& responder);

    ProjectBundle m_bundle;
    Modules m_modules;
    QHash<QString, Handler> m_handlers;
    QHash<QString, std::function<QJsonValue()>> m_statusParts;
    ipc::ControlServer* m_server = nullptr;
};

} // namespace pvc::core
