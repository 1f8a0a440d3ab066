#include "tcpsockets.h"

#include <cerrno>
#include <cstring>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace pvc::helper {

namespace {

constexpr int Listen = TCP_LISTEN;
// TCP_ESTABLISHED (1) to TCP_CLOSING (11), without TCP_TIME_WAIT (6); NEW_SYN_RECV (12) is a listener's.
constexpr quint32 AskedStates = 0xFFE & ~(1U << TCP_TIME_WAIT);
constexpr int ReceiveBytes = 32768;

template <typename T> void append(QByteArray* bytes, const T& value)
{
    bytes->append(reinterpret_cast<const char*>(&value), sizeof(value));
}

QString systemError(const char* step)
{
    return QStringLiteral("%1: %2").arg(QLatin1String(step), QString::fromLocal8Bit(strerror(errno)));
}

// One family's sockets on port over an open NETLINK_SOCK_DIAG socket.
bool askFamily(int fd, int family, quint16 port, QList<TcpSocket>* sockets, QString* error)
{
    static quint32 sequence = 0;
    const quint32 asked = ++sequence;
    const QByteArray request = inetDiagRequest(family, port, asked);
    if (send(fd, request.constData(), size_t(request.size()), 0) != request.size()) {
        *error = systemError("sock_diag send");
        return false;
    }
    QByteArray buffer(ReceiveBytes, Qt::Uninitialized);
    qsizetype total = 0;
    for (bool done = false; !done;) {
        const ssize_t got = recv(fd, buffer.data(), size_t(buffer.size()), 0);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            *error = systemError("sock_diag recv");
            return false;
        }
        total += got;
        if (total > MaxDiagReplyBytes) {
            *error = QStringLiteral("sock_diag: over %1 bytes of sockets on one port").arg(MaxDiagReplyBytes);
            return false;
        }
        if (!parseInetDiagReply(QByteArray::fromRawData(buffer.constData(), got), asked, sockets, &done)) {
            *error = QStringLiteral("sock_diag: the kernel's reply is an error or malformed");
            return false;
        }
    }
    return true;
}

} // namespace

QByteArray inetDiagRequest(int family, quint16 port, quint32 sequence)
{
    // local port >= port, then <= port; a "no" past the end rejects (linux/inet_diag.h, inet_diag_bc_audit).
    const inet_diag_bc_op ops[4]
        = { { INET_DIAG_BC_S_GE, 8, 20 }, { 0, 0, port }, { INET_DIAG_BC_S_LE, 8, 12 }, { 0, 0, port } };
    inet_diag_req_v2 request {};
    request.sdiag_family = quint8(family);
    request.sdiag_protocol = IPPROTO_TCP;
    request.idiag_states = AskedStates;
    rtattr filter {};
    filter.rta_type = INET_DIAG_REQ_BYTECODE;
    filter.rta_len = RTA_LENGTH(sizeof(ops));
    nlmsghdr header {};
    header.nlmsg_len = NLMSG_LENGTH(sizeof(request)) + RTA_ALIGN(filter.rta_len);
    header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    header.nlmsg_seq = sequence;
    QByteArray bytes;
    append(&bytes, header);
    append(&bytes, request);
    append(&bytes, filter);
    append(&bytes, ops);
    return bytes;
}

bool parseInetDiagReply(const QByteArray& buffer, quint32 sequence, QList<TcpSocket>* sockets, bool* done)
{
    qsizetype at = 0;
    while (at < buffer.size()) {
        nlmsghdr header;
        if (buffer.size() - at < qsizetype(sizeof(header)))
            return false;
        memcpy(&header, buffer.constData() + at, sizeof(header));
        if (header.nlmsg_len < sizeof(header) || header.nlmsg_len > quint64(buffer.size() - at))
            return false;
        if (header.nlmsg_seq != sequence)
            return false;
        if (header.nlmsg_type == NLMSG_DONE) {
            *done = true;
            return true;
        }
        if (header.nlmsg_type != SOCK_DIAG_BY_FAMILY || header.nlmsg_len < NLMSG_LENGTH(sizeof(inet_diag_msg)))
            return false; // NLMSG_ERROR among them
        inet_diag_msg message;
        memcpy(&message, buffer.constData() + at + NLMSG_HDRLEN, sizeof(message));
        sockets->append({ ntohs(message.id.idiag_sport), message.idiag_state, message.idiag_uid, message.idiag_inode });
        at += NLMSG_ALIGN(header.nlmsg_len);
    }
    return true;
}

std::optional<QList<TcpSocket>> tcpSocketsOn(quint16 port, QString* error)
{
    const int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (fd < 0) {
        *error = systemError("socket(NETLINK_SOCK_DIAG)");
        return std::nullopt;
    }
    QList<TcpSocket> sockets;
    const bool ok = askFamily(fd, AF_INET, port, &sockets, error) && askFamily(fd, AF_INET6, port, &sockets, error);
    ::close(fd);
    if (!ok)
        return std::nullopt;
    return sockets;
}

bool tcpPortOwnedBy(const QList<TcpSocket>& sockets, quint16 port, uid_t uid)
{
    int listeners = 0;
    for (const TcpSocket& socket : sockets) {
        if (socket.port != port || socket.state == TCP_TIME_WAIT)
            continue;
        // A connection request a listener on the port holds (the kernel reports it as SYN_RECV with uid 0
        // and no inode): the listener's, and every listener is checked on its own.
        if (socket.state == TCP_SYN_RECV && socket.inode == 0)
            continue;
        if (socket.uid != uid)
            return false;
        listeners += socket.state == Listen;
    }
    return listeners > 0;
}

QSet<quint64> listenerInodes(const QList<TcpSocket>& sockets, quint16 port)
{
    QSet<quint64> inodes;
    for (const TcpSocket& socket : sockets)
        if (socket.port == port && socket.state == Listen)
            inodes.insert(socket.inode);
    return inodes;
}

} // namespace pvc::helper
