#pragma once

#include "connectivity/udpendpoint.h"
#include "coordinator/peerpaths.h"
#include "tunnel/tunnelsession.h"

#include <QtGlobal>

// Small helpers shared by the tunnels' units (tunnelpaths.cpp).
namespace pvc::core::tunnelpaths {

// Path timers run on the monotonic clock: an NTP step never fires or stalls them.
qint64 nowMs();
// The UDP relay target for a peer's relay tag at a broker (docs/protocol.md, "UDP relay").
RelayTarget relayTarget(const PeerPaths& paths);

} // namespace pvc::core::tunnelpaths
