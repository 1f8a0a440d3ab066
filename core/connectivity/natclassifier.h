#pragma once

#include "protocol/traversal.h"

#include <QSet>
#include <QString>
#include <QStringList>

namespace pvc::core {

// Peers choose between punching, waiting for us, or the relay from the NAT kind we announce, so the
// judgement must be the same everywhere and testable without a network. It follows RFC 4787 section 4.1:
// one socket, several destinations (each broker's two STUN ports); the mappings they report tell
// endpoint-independent mapping from the symmetric kind.
// observations: every "ip:port" a STUN server reported for our tunnel socket, one per destination.
// hostEndpoints: our own interfaces' "ip:port" for that socket.
NatKind classifyNat(const QStringList& observations, const QSet<QString>& hostEndpoints);

} // namespace pvc::core
