#pragma once

#include "synpacket.h"

#include <QSet>
#include <sys/types.h>

// Traversing-TCP's system calls (paper section 4.4.3; docs/helper.md): who owns a TCP port, this host's
// addresses, capturing the caller's own outgoing SYN, and sending a checked SYN to this host's stack.
namespace pvc::helper {

// Whether uid owns a TCP port, judged from the text of /proc/net/tcp and /proc/net/tcp6: at least one
// listener on the port, and every socket on it (TIME_WAIT aside, which can send nothing) is uid's.
// While that holds, no one else's socket can send a SYN from that port or receive one on it.
bool tcpPortOwnedBy(const QList<QByteArray>& procNetTcp, quint16 port, uid_t uid);
// The same, read from this network namespace's /proc/net/tcp{,6}. Code: helper.not_yours. With `listeners`,
// also the inodes of uid's listening sockets on the port.
std::optional<Refusal> checkPortOwner(quint16 port, uid_t uid, QSet<quint64>* listeners = nullptr);
// The inodes of the listening sockets on port in that text (the column after the timeout).
QSet<quint64> listenerInodes(const QList<QByteArray>& procNetTcp, quint16 port);

// From getifaddrs: every IPv4 address of this host, and those a SYN may be injected to (on an
// interface that is up and not loopback, outside 127.0.0.0/8 and 240.0.0.0/4).
SynRules hostSynRules();

// A packet socket that sees only this host's outgoing IPv4 TCP SYNs (no ACK, RST or FIN) from `port` to
// `to`:`toPort`, through a classic BPF filter attached before the socket is bound to any traffic. It never
// leaves the helper. Returns the fd (non-blocking), or -1 with *error set.
int openSynCapture(quint16 port, quint32 to, quint16 toPort, QString* error);
// The first captured SYN of at most MaxSynBytes whose source is one of `sources` (this host's own addresses:
// a SYN a router host forwards from its LAN leaves by the same interface), or an empty array if none has
// come yet.
QByteArray readCapturedSyn(int fd, const QList<quint32>& sources);

// Sends a checked SYN to this host's own stack through a raw socket (IP_HDRINCL).
bool sendSyn(const QByteArray& packet, quint32 destination, QString* error);

} // namespace pvc::helper
