// The path timer (docs/connectivity.md, "Path selection"): every 250 ms each tunnel reads its
// counters in the data plane and follows PathSelector; then the one birthday probe runs.
#include "common/clock.h"
#include "connectivity/birthdayprober.h"
#include "coordinator/tunnelmanager.h"
#include "coordinator/tunnelpathsutil.h"
#include "protocol/brokerprotocol.h"
#include "tunnel/dataplane.h"

#include <QtEndian>

namespace pvc::core {

qint64 tunnelpaths::nowMs()
{
    return Clock::steady().nowMs();
}

RelayTarget tunnelpaths::relayTarget(const PeerPaths& paths)
{
    RelayTarget relay;
    relay.broker = toSockaddr(paths.relayBroker, paths.relayPort);
    relay.prefix = QByteArray(brokerprotocol::RelayHeaderBytes, '\0');
    relay.prefix[0] = char(brokerprotocol::RelayToBroker);
    qToBigEndian<quint32>(paths.relayTag, relay.prefix.data() + 4);
    return relay;
}

void TunnelManager::choosePaths()
{
    if (!m_dataPlane)
        return;
    const DataPlaneStats stats = m_dataPlane->stats();
    const qint64 now = tunnelpaths::nowMs();
    for (const auto& tunnel : std::as_const(m_tunnels)) {
        if (!tunnel->isAdded())
            continue;
        for (const PeerStats& peer : stats.peers)
            if (peer.localIndex == tunnel->localIndex())
                tunnel->choosePath(peer, now);
    }
    runBirthday(now);
}

// One birthday probe at a time (BirthdayProber); the peer it starts on is asked to spray.
void TunnelManager::runBirthday(qint64 now)
{
    const QString started = m_birthday->tick(now, [this](const QString& name) -> std::optional<BirthdayProber::Peer> {
        const auto it = m_tunnels.constFind(name);
        return it == m_tunnels.cend() ? std::nullopt : std::optional((*it)->birthdayPeer());
    });
    if (const auto it = m_tunnels.constFind(started); !started.isEmpty() && it != m_tunnels.cend())
        (*it)->askForSpray();
}

} // namespace pvc::core
