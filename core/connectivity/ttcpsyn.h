#pragma once

#include "common/result.h"
#include "connectivity/tcppunch.h"

#include <QByteArray>
#include <QHostAddress>

namespace pvc::core {

// The server side of Traversing-TCP (paper section 4.4.3, step 4): makes the SYN a client captured
// into the one this host must receive, for HelperClient::injectSyn. Checks that it is an IPv4 TCP
// SYN to `port`, sets the source to `client` (the client as this host sees it: its public address
// from the broker; port 0 keeps the SYN's, which a cone NAT keeps when it is free) and the
// destination to `local` (null keeps it), and recomputes both checksums, since a captured TCP
// checksum can be the partial one left for checksum offload. Errors: ttcp.bad_syn.
Result<QByteArray> rewriteSynForInjection(
    const QByteArray& syn, const TcpEndpoint& client, const QHostAddress& local, quint16 port);

} // namespace pvc::core
