#pragma once

#include <QByteArray>
#include <QList>
#include <QSet>
#include <QString>
#include <optional>
#include <sys/types.h>

// Who has TCP sockets on a port, asked of the kernel through sock_diag (NETLINK_SOCK_DIAG) with a port
// filter, for Traversing-TCP's ownership checks (docs/helper.md, "Traversing-TCP"): no /proc table read.
namespace pvc::helper {

struct TcpSocket {
    quint16 port = 0; // local port
    int state = 0; // TCP_ESTABLISHED (1) ... TCP_CLOSING (11), include/net/tcp_states.h
    uid_t uid = 0;
    quint64 inode = 0;
};

// The largest reply accepted for one port: a port with more sockets than fit is refused, not half read.
inline constexpr int MaxDiagReplyBytes = 1 << 20;

// The request for every IPv4 (family AF_INET) or IPv6 (AF_INET6) TCP socket whose local port is `port`,
// in any state but TIME_WAIT and NEW_SYN_RECV: a netlink message with an inet_diag_req_v2 and a bytecode
// filter (local port >= port and <= port).
QByteArray inetDiagRequest(int family, quint16 port, quint32 sequence);

// Appends the sockets in one received buffer of the reply (netlink messages) to *sockets. Returns false
// on a malformed message or an error message; sets *done at NLMSG_DONE. Checks every length first.
bool parseInetDiagReply(const QByteArray& buffer, quint32 sequence, QList<TcpSocket>* sockets, bool* done);

// The sockets on `port` in this network namespace (IPv4 and IPv6), or nullopt with *error.
std::optional<QList<TcpSocket>> tcpSocketsOn(quint16 port, QString* error);

// Whether uid owns `port`: at least one listener on it, and every socket on it is uid's (TIME_WAIT is
// not asked for: it can send nothing). While that holds, no one else's socket can send a SYN from the
// port or receive one on it. A pending connection request (SYN_RECV without an inode) is its listener's.
bool tcpPortOwnedBy(const QList<TcpSocket>& sockets, quint16 port, uid_t uid);
// The inodes of the listening sockets on port.
QSet<quint64> listenerInodes(const QList<TcpSocket>& sockets, quint16 port);

} // namespace pvc::helper
