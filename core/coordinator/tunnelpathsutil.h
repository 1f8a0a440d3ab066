#pragma once

#include "coordinator/tunnelmanager.h"
#include "tunnel/tunnelsession.h"

#include <QHostAddress>
#include <QString>
#include <netinet/in.h>

// Small helpers shared by tunnelmanager.cpp and tunnelpaths.cpp.
namespace pvc::core::tunnelpaths {

sockaddr_in toSockaddr(const QHostAddress& address, quint16 port);
QString endpointText(const sockaddr_in& address);
qint64 nowMs();
// The UDP relay target for a peer's relay tag at a broker (docs/protocol.md, "UDP relay").
RelayTarget relayTarget(const TunnelManager::PeerPaths& paths);

} // namespace pvc::core::tunnelpaths
