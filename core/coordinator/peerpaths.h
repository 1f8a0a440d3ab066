#pragma once

#include "tunnel/tunnelsession.h"

#include <QHostAddress>
#include <QList>
#include <QPair>

// How to reach a peer as the brokers see it (PeerDirectory), handed to its tunnel (TunnelManager).
namespace pvc::core {

// Its direct candidates, and a broker that relays for both of us.
struct PeerPaths {
    QList<QPair<QHostAddress, quint16>> candidates; // observed by brokers (server reflexive)
    QHostAddress relayBroker;
    quint16 relayPort = 0;
    quint32 relayTag = 0; // the peer's tag at that broker; 0: no relay
};

} // namespace pvc::core
