#pragma once

#include "connectivity/pathselector.h"
#include "protocol/traversal.h"

#include <QJsonObject>
#include <QString>
#include <netinet/in.h>

// What pvcd shows of one tunnel (the control API's peers, docs/protocol.md, section 5), from a snapshot
// that PeerTunnel takes of itself.
namespace pvc::core {

struct PeerStats;

struct PeerTunnelStatus {
    PathKind path = PathKind::None;
    bool confirmed = false; // the peer has answered on the path since we moved there
    Technique technique = Technique::None; // as shown (DirectTechnique::shown)
    NatKind peerNat = NatKind::Unknown;
    QString tcpPeer; // on a direct TCP path: the TCP path's peer
    sockaddr_in relayEndpoint {}; // the broker relaying for both of us

    // peer: the data plane's counters for the tunnel, if it has them.
    QJsonObject json(const PeerStats* peer) const;
};

} // namespace pvc::core
