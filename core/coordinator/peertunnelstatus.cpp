// What pvcd shows of one tunnel (the control API's peers, docs/control-api.md).
#include "connectivity/tcppath.h"
#include "coordinator/peertunnel.h"
#include "coordinator/tunnelpathsutil.h"
#include "tunnel/dataplane.h"

namespace pvc::core {

namespace {
int rank(Technique technique)
{
    switch (technique) {
    case Technique::Public:
        return 3;
    case Technique::Upnp:
        return 2;
    case Technique::None:
        return 0;
    default:
        return 1;
    }
}
} // namespace

Technique PeerTunnel::technique() const
{
    if (m_state.path == PathKind::DirectTcp)
        return m_technique;
    if (m_state.path != PathKind::Direct)
        return Technique::Relay;
    // Both sides name what let them through; the pair is described by the more open side.
    return rank(m_peerTechnique) > rank(m_technique) ? m_peerTechnique : m_technique;
}

QJsonObject PeerTunnel::json(const PeerStats* peer) const
{
    const PathKind path = m_state.path;
    // A direct path counts once the peer has answered on it since we moved there.
    const bool direct = path == PathKind::Direct || path == PathKind::DirectTcp;
    const QString shown = !direct ? QStringLiteral("relay")
        : m_state.confirmed       ? QStringLiteral("direct")
                                  : QStringLiteral("probing");
    QJsonObject out { { QStringLiteral("path"), shown }, { QStringLiteral("technique"), toString(technique()) },
        { QStringLiteral("peer_nat"), toString(m_peerNat) } };
    if (!direct)
        out.insert(QStringLiteral("relay"), path == PathKind::Stream ? QStringLiteral("tcp") : QStringLiteral("udp"));
    if (!peer)
        return out;
    if (path == PathKind::Stream)
        out.insert(QStringLiteral("endpoint"), QStringLiteral("peer session (TCP through a broker)"));
    else if (path == PathKind::DirectTcp)
        out.insert(QStringLiteral("endpoint"), m_tcp->peerText() + QStringLiteral(" (TCP)"));
    else
        out.insert(QStringLiteral("endpoint"),
            endpointText(peer->viaRelay ? toSockaddr(m_relay.relayBroker, m_relay.relayPort) : peer->endpoint));
    if (peer->rttUs >= 0)
        out.insert(QStringLiteral("tunnel_rtt_ms"), double(peer->rttUs) / 1000.0);
    out.insert(QStringLiteral("packets_in"), qint64(peer->packetsIn));
    out.insert(QStringLiteral("packets_out"), qint64(peer->packetsOut));
    out.insert(QStringLiteral("bytes_in"), qint64(peer->bytesIn));
    out.insert(QStringLiteral("bytes_out"), qint64(peer->bytesOut));
    out.insert(QStringLiteral("last_received_ms"), qint64(peer->lastReceivedAgoMs));
    return out;
}

} // namespace pvc::core
