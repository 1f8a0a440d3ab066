#include "hostlist.h"

#include "ipc/controlclient.h"
#include "ipc/controlcommands.h"

#include <QDateTime>
#include <QJsonArray>

namespace pvc::batch {

HostList::HostList(QStringList fixed, QString controlPath)
    : m_fixed(std::move(fixed))
    , m_controlPath(std::move(controlPath))
{
}

QStringList HostList::hosts()
{
    if (!m_fixed.isEmpty())
        return m_fixed;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (now - m_askedAtMs < RefreshMs && m_askedAtMs > 0)
        return m_cached;
    m_askedAtMs = now;
    const ipc::ControlReply reply = ipc::controlRequest(m_controlPath, ipc::command::Peers, {}, 5000);
    if (!reply.ok) {
        m_error = reply.errorCode + QLatin1Char(' ') + reply.errorDetail;
        return m_cached; // the last known hosts, rather than none, while pvcd does not answer
    }
    m_error.clear();
    QStringList hosts;
    for (const QJsonValue& peer : reply.result.value(QLatin1String("peers")).toArray())
        if (peer.toObject().value(QLatin1String("status")).toString() == QLatin1String("authenticated"))
            hosts.append(peer.toObject().value(QLatin1String("name")).toString());
    hosts.sort();
    m_cached = hosts;
    return m_cached;
}

} // namespace pvc::batch
