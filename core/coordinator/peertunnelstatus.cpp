#include "coordinator/peertunnelstatus.h"

#include "connectivity/udpendpoint.h"
#include "tunnel/dataplane.h"

namespace pvc::core {

QJsonObject PeerTunnelStatus::json(const PeerStats* peer) const
{
    // A direct path counts once the peer has answered on it since we moved there.
    const bool direct = path == PathKind::Direct || path == PathKind::DirectTcp;
    const QString shown = !direct ? QStringLiteral("relay")
        : confirmed               ? QStringLiteral("direct")
                                  : QStringLiteral("probing");
    QJsonObject out { { QStringLiteral("path"), shown }, { QStringLiteral("technique"), toString(technique) },
        { QStringLiteral("peer_nat"), toString(peerNat) } };
    if (!direct)
        out.insert(QStringLiteral("relay"), path == PathKind::Stream ? QStringLiteral("tcp") : QStringLiteral("udp"));
    if (!peer)
        return out;
    if (path == PathKind::Stream)
        out.insert(QStringLiteral("endpoint"), QStringLiteral("peer session (TCP through a broker)"));
    else if (path == PathKind::DirectTcp)
        out.insert(QStringLiteral("endpoint"), tcpPeer + QStringLiteral(" (TCP)"));
    else
        out.insert(QStringLiteral("endpoint"), endpointText(peer->viaRelay ? relayEndpoint : peer->endpoint));
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
