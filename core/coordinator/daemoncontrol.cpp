// pvcd's control API (docs/protocol.md, "Control API"): the commands the CLI and the tray send,
// and the status and peers objects they read.
#include "common/jsonfields.h"
#include "common/logging.h"
#include "connectivity/brokerconnection.h"
#include "connectivity/upnpmapper.h"
#include "coordinator/daemon.h"
#include "coordinator/peerdirectory.h"
#include "grid/ownercontrol.h"
#include "ipc/controlserver.h"
#include "ipc/frame.h"
#include "protocol/brokerprotocol.h"
#include "protocol/stun.h"
#include "security/certificates.h"
#include "security/invitetoken.h"
#include "security/keys.h"
#include "security/peersession.h"

#include <QHostAddress>
#include <QJsonArray>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSysInfo>
#include <QTimer>

namespace pvc::core {

void Daemon::setLocalPolicy(const QJsonObject& arguments, std::shared_ptr<ipc::ControlResponder> responder)
{
    const QJsonValue value = arguments.value(QLatin1String("policy"));
    std::optional<QJsonObject> stored;
    if (value.isObject()) {
        auto policy = Policy::fromJson(value.toObject());
        if (!policy)
            return responder->fail(policy.error().code, policy.error().detail);
        stored = policy->toJson();
        m_localPolicy = std::move(policy).value();
    } else if (value.isNull()) {
        m_localPolicy.reset();
    } else {
        return responder->fail(QStringLiteral("policy.malformed"), QStringLiteral("expected a policy object or null"));
    }
    QString error;
    if (!m_hostState.saveLocalPolicy(stored, &error))
        return responder->fail(QStringLiteral("state.write_failed"), error);
    applyPolicy();
    responder->reply(statusJson());
}

QJsonArray Daemon::peersJson() const
{
    QJsonArray peers = m_peers->toJson();
    for (qsizetype i = 0; i < peers.size(); ++i) {
        QJsonObject peer = peers[i].toObject();
        const QJsonObject tunnel = m_tunnels->peerJson(peer.value(QLatin1String("name")).toString());
        for (auto it = tunnel.constBegin(); it != tunnel.constEnd(); ++it)
            peer.insert(it.key(), it.value());
        if (!peer.contains(QLatin1String("path")))
            peer.insert(QStringLiteral("path"), QStringLiteral("none"));
        peers[i] = peer;
    }
    return peers;
}

QJsonObject Daemon::statusJson() const
{
    QJsonArray brokers;
    for (BrokerConnection* broker : m_brokers) {
        const BrokerStatus& status = m_brokerStatus[broker];
        QJsonObject entry { { QStringLiteral("address"), broker->address().toString() },
            { QStringLiteral("connected"), broker->isConnected() && !status.sessionId.isEmpty() } };
        if (!status.role.isEmpty() && broker->isConnected())
            entry.insert(QStringLiteral("role"), status.role);
        if (!status.observedTcp.isEmpty())
            entry.insert(QStringLiteral("observed_tcp"), status.observedTcp);
        if (!status.observedUdp.isEmpty())
            entry.insert(QStringLiteral("observed_udp"), status.observedUdp);
        if (!status.observedUdpAlt.isEmpty())
            entry.insert(QStringLiteral("observed_udp_alt"), status.observedUdpAlt);
        if (!status.lastError.isEmpty())
            entry.insert(QStringLiteral("error"), status.lastError);
        brokers.append(entry);
    }
    QJsonObject status { { QStringLiteral("state"), stateName() }, { QStringLiteral("name"), m_name },
        { QStringLiteral("virtual_ip"), m_virtualIp },
        { QStringLiteral("project"),
            QJsonObject { { QStringLiteral("name"), m_bundle.name }, { QStringLiteral("id"), m_bundle.projectId },
                { QStringLiteral("network"), m_bundle.network }, { QStringLiteral("domain"), m_bundle.domain } } },
        { QStringLiteral("brokers"), brokers }, { QStringLiteral("revocation_version"), m_revocations.version } };
    QJsonObject policy { { QStringLiteral("global_version"), m_globalPolicy ? m_globalPolicy->version : 0 },
        { QStringLiteral("global_rules"), m_globalPolicy ? m_globalPolicy->policy.ruleCount() : 0 } };
    if (m_localPolicy)
        policy.insert(QStringLiteral("local_rules"), m_localPolicy->ruleCount());
    if (m_globalPolicy)
        policy.insert(QStringLiteral("global"), m_globalPolicy->policy.toJson());
    if (m_localPolicy)
        policy.insert(QStringLiteral("local"), m_localPolicy->toJson());
    status.insert(QStringLiteral("policy"), policy);
    status.insert(QStringLiteral("tunnel"), m_tunnels->statusJson());
    status.insert(QStringLiteral("upnp"),
        m_upnp ? m_upnp->statusJson() : QJsonObject { { QStringLiteral("state"), QStringLiteral("off") } });
    status.insert(QStringLiteral("computing"), m_owner->statusJson());
    if (!m_serial.isEmpty()) {
        status.insert(QStringLiteral("serial"), m_serial);
        status.insert(QStringLiteral("groups"), QJsonArray::fromStringList(m_groups));
        status.insert(QStringLiteral("certificate_expires"), m_certificateExpiry.toString(Qt::ISODate));
    }
    if (!m_lastErrorCode.isEmpty())
        status.insert(QStringLiteral("error"),
            QJsonObject {
                { QStringLiteral("code"), m_lastErrorCode }, { QStringLiteral("detail"), m_lastErrorDetail } });
    return status;
}

void Daemon::handleControl(
    const QString& command, const QJsonObject& arguments, std::shared_ptr<ipc::ControlResponder> responder)
{
    if (command == QLatin1String("status"))
        return responder->reply(statusJson());
    if (command == QLatin1String("peers"))
        return responder->reply(QJsonObject { { QStringLiteral("peers"), peersJson() } });
    if (command == QLatin1String("join"))
        return join(arguments, responder);
    if (command == QLatin1String("leave")) {
        leave();
        return responder->reply(statusJson());
    }
    if (command == QLatin1String("set-policy"))
        return setLocalPolicy(arguments, responder);
    if (const auto owner = m_owner->handleCommand(command, arguments))
        return owner->ok() ? responder->reply(owner->value())
                           : responder->fail(owner->error().code, owner->error().detail);
    // The grid layer's ledger (DESIGN.md, "Credits") fills this from the master's signed statements.
    // Until it lands nothing has been earned, and pvcd shows no invented numbers.
    if (command == QLatin1String("credits"))
        return responder->reply(QJsonObject { { QStringLiteral("total"), 0 }, { QStringLiteral("daily_average"), 0 },
            { QStringLiteral("certified_tasks"), 0 }, { QStringLiteral("history"), QJsonArray() } });
    if (command == QLatin1String("ping")) {
        return m_peers->ping(str(arguments, "name"), [responder](double ms, const QString& error) {
            if (ms < 0)
                responder->fail(error, QStringLiteral("cannot ping: %1").arg(error));
            else
                responder->reply(QJsonObject { { QStringLiteral("rtt_ms"), qRound(ms * 100) / 100.0 } });
        });
    }
    responder->fail(QStringLiteral("control.unknown_command"), QStringLiteral("unknown command '%1'").arg(command));
}

} // namespace pvc::core
