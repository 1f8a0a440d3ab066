#pragma once

#include "synpacket.h"
#include "tcpsockets.h"

#include <QSet>
#include <sys/types.h>

// Traversing-TCP's system calls (paper section 4.4.3; docs/helper.md): who owns a TCP port, this host's
// addresses, capturing the caller's own outgoing SYN, and sending a checked SYN to this host's stack.
namespace pvc::helper {

// Whether uid owns a TCP port (tcpsockets.h, asked of the kernel now). Code: helper.not_yours. With
// `listeners`, also the inodes of uid's listening sockets on the port.
std::optional<Refusal> checkPortOwner(quint16 port, uid_t uid, QSet<quint64>* listeners = nullptr);

// From getifaddrs: every IPv4 address of this host, the network and broadcast addresses of its subnets,
// and the addresses a SYN may be injected to (on an interface that is up and not loopback, outside
// 127.0.0.0/8 and 240.0.0.0/4).
SynRules hostSynRules();

// A packet socket that sees only this host's outgoing IPv4 TCP SYNs (no ACK, RST or FIN) from `port` to
// `to`:`toPort`, through a classic BPF filter attached before the socket is bound to any traffic. It never
// leaves the helper. Returns the fd (non-blocking), or -1 with *error set.
int openSynCapture(quint16 port, quint32 to, quint16 toPort, QString* error);
// The first captured SYN of at most MaxSynBytes whose source is one of `sources` (this host's own addresses:
// a SYN a router host forwards from its LAN leaves by the same interface), or an empty array if none has
// come yet.
QByteArray readCapturedSyn(int fd, const QList<quint32>& sources);

// Sends a checked SYN to this host's own stack through a raw socket (IP_HDRINCL), marked with
// InjectedMark so that the injection guard drops it if NAT would send it anywhere else (EPERM then).
bool sendSyn(const QByteArray& packet, quint32 destination, QString* error);

} // namespace pvc::helper
