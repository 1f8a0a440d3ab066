#include "coordinator/controlapi.h"

#include "common/jsonfields.h"
#include "connectivity/reachability.h"
#include "coordinator/brokerdispatch.h"
#include "coordinator/enrolment.h"
#include "coordinator/gridwork.h"
#include "coordinator/peerdirectory.h"
#include "coordinator/policystore.h"
#include "coordinator/tunnelmanager.h"
#include "grid/ownercontrol.h"
#include "ipc/controlcommands.h"
#include "ipc/controlserver.h"

namespace pvc::core {

namespace command = ipc::command;

ControlApi::ControlApi(const ProjectBundle& bundle, const Modules& modules, QObject* parent)
    : QObject(parent)
    , m_bundle(bundle)
    , m_modules(modules)
{
    addHandlers();
}

ControlApi::~ControlApi() = default;

bool ControlApi::listen(const QString& path, QString* error)
{
    m_server
        = new ipc::ControlServer([this](const QString& command, const QJsonObject& arguments,
                                     Responder responder) { handleCommand(command, arguments, std::move(responder)); },
            this);
    return m_server->listen(path, error);
}

void ControlApi::addHandlers()
{
    m_handlers.insert(command::Status, [this](const QJsonObject&, const Responder& r) { r->reply(statusJson()); });
    m_handlers.insert(command::Peers, [this](const QJsonObject&, const Responder& r) {
        r->reply(QJsonObject { { QStringLiteral("peers"), peersJson() } });
    });
    m_handlers.insert(command::Join, [this](const QJsonObject& a, const Responder& r) { join(a, r); });
    m_handlers.insert(command::Leave, [this](const QJsonObject&, const Responder& r) {
        m_modules.enrolment->leave();
        r->reply(statusJson());
    });
    m_handlers.insert(command::SetPolicy, [this](const QJsonObject& a, const Responder& r) { setPolicy(a, r); });
    // `credits` is CreditBook's (core/coordinator/creditbook.cpp), added when pvcd starts.
    m_handlers.insert(command::Ping, [this](const QJsonObject& a, const Responder& r) { ping(a, r); });
    for (const QLatin1String owner :
        { command::GetPreferences, command::SetPreferences, command::Pause, command::Resume, command::FinishThenPause })
        m_handlers.insert(
            owner, [this, owner](const QJsonObject& a, const Responder& r) { handleOwnerCommand(owner, a, r); });
}

void ControlApi::handleCommand(const QString& command, const QJsonObject& arguments, Responder responder)
{
    if (const auto handler = m_handlers.constFind(command); handler != m_handlers.constEnd())
        return (*handler)(arguments, responder);
    // The owner's module may know commands this table does not list yet.
    if (handleOwnerCommand(command, arguments, responder))
        return;
    responder->fail(QStringLiteral("control.unknown_command"), QStringLiteral("unknown command '%1'").arg(command));
}

bool ControlApi::handleOwnerCommand(const QString& command, const QJsonObject& arguments, const Responder& responder)
{
    const auto owner = m_modules.owner->handleCommand(command, arguments);
    if (!owner)
        return false;
    if (owner->ok())
        responder->reply(owner->value());
    else
        responder->fail(owner->error().code, owner->error().detail);
    return true;
}

void ControlApi::join(const QJsonObject& arguments, const Responder& responder)
{
    m_modules.enrolment->join(arguments, [this, responder](const QString& code, const QString& detail) {
        if (code.isEmpty())
            responder->reply(statusJson());
        else
            responder->fail(code, detail);
    });
}

void ControlApi::setPolicy(const QJsonObject& arguments, const Responder& responder)
{
    const auto set = m_modules.policies->setLocal(arguments.value(QLatin1String("policy")));
    if (!set)
        return responder->fail(set.error().code, set.error().detail);
    responder->reply(statusJson());
}

void ControlApi::ping(const QJsonObject& arguments, const Responder& responder)
{
    m_modules.peers->ping(str(arguments, "name"), [responder](double ms, const QString& error) {
        if (ms < 0)
            responder->fail(error, QStringLiteral("cannot ping: %1").arg(error));
        else
            responder->reply(QJsonObject { { QStringLiteral("rtt_ms"), qRound(ms * 100) / 100.0 } });
    });
}

// Each peer as the directory knows it, with its tunnel's fields ("path" is "none" without a tunnel).
QJsonArray ControlApi::peersJson() const
{
    QJsonArray peers = m_modules.peers->toJson();
    for (qsizetype i = 0; i < peers.size(); ++i) {
        QJsonObject peer = peers[i].toObject();
        const QJsonObject tunnel = m_modules.tunnels->peerJson(peer.value(QLatin1String("name")).toString());
        for (auto it = tunnel.constBegin(); it != tunnel.constEnd(); ++it)
            peer.insert(it.key(), it.value());
        if (!peer.contains(QLatin1String("path")))
            peer.insert(QStringLiteral("path"), QStringLiteral("none"));
        peers[i] = peer;
    }
    return peers;
}

QJsonObject ControlApi::statusJson() const
{
    QJsonObject status {
        { QStringLiteral("project"),
            QJsonObject { { QStringLiteral("name"), m_bundle.name }, { QStringLiteral("id"), m_bundle.projectId },
                { QStringLiteral("network"), m_bundle.network }, { QStringLiteral("domain"), m_bundle.domain } } },
        { QStringLiteral("brokers"), m_modules.brokers->statusJson() }
    };
    m_modules.enrolment->describe(status);
    status.insert(QStringLiteral("policy"), m_modules.policies->statusJson());
    status.insert(QStringLiteral("tunnel"), m_modules.tunnels->statusJson());
    status.insert(QStringLiteral("upnp"), m_modules.reachability->upnpStatusJson());
    status.insert(QStringLiteral("computing"), m_modules.owner->statusJson());
    status.insert(QStringLiteral("worker"), m_modules.grid->statusJson());
    for (auto it = m_statusParts.constBegin(); it != m_statusParts.constEnd(); ++it)
        status.insert(it.key(), it.value()());
    return status;
}

} // namespace pvc::core
