#include "connectivity/unixfdsocket.h"

#include <QFile>
#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace pvc::core {

namespace {

constexpr qint64 ChunkBytes = 4096;

QString systemError()
{
    return QString::fromLocal8Bit(strerror(errno));
}

// Waits for `events` on fd until the deadline; false on timeout.
bool waitFor(int fd, short events, const QDeadlineTimer& deadline)
{
    pollfd entry { fd, events, 0 };
    int ready;
    do
        ready = poll(&entry, 1, int(deadline.remainingTime()));
    while (ready < 0 && errno == EINTR);
    return ready > 0;
}

} // namespace

bool UnixFdSocket::connectTo(const QString& path, QString* error)
{
    close();
    const QByteArray encoded = QFile::encodeName(path);
    sockaddr_un address {};
    address.sun_family = AF_UNIX;
    if (encoded.isEmpty() || size_t(encoded.size()) >= sizeof(address.sun_path)) {
        *error = QStringLiteral("bad socket path %1").arg(path);
        return false;
    }
    memcpy(address.sun_path, encoded.constData(), size_t(encoded.size()));
    m_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (m_fd < 0 || ::connect(m_fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
        *error = QStringLiteral("%1: %2").arg(path, systemError());
        close();
        return false;
    }
    return true;
}

qint64 UnixFdSocket::peerUid() const
{
    ucred peer {};
    socklen_t length = sizeof(peer);
    if (m_fd < 0 || getsockopt(m_fd, SOL_SOCKET, SO_PEERCRED, &peer, &length) != 0 || length != sizeof(peer))
        return -1;
    return qint64(peer.uid);
}

void UnixFdSocket::close()
{
    if (m_passed >= 0)
        ::close(m_passed);
    m_passed = -1;
    if (m_fd >= 0)
        ::close(m_fd);
    m_fd = -1;
}

UnixFdSocket::Sent UnixFdSocket::sendAll(const QByteArray& data, const QDeadlineTimer& deadline)
{
    for (qsizetype sent = 0; sent < data.size();) {
        if (!waitFor(m_fd, POLLOUT, deadline))
            return Sent::TimedOut;
        const ssize_t n = ::send(m_fd, data.constData() + sent, size_t(data.size() - sent), MSG_NOSIGNAL);
        if (n < 0 && errno != EINTR)
            return Sent::Failed;
        sent += qMax<ssize_t>(n, 0);
    }
    return Sent::All;
}

UnixFdSocket::Received UnixFdSocket::receive(qint64 maxBytes, const QDeadlineTimer& deadline)
{
    using Status = Received::Status;
    for (;;) {
        if (!waitFor(m_fd, POLLIN, deadline))
            return { Status::TimedOut, {}, {} };
        char buffer[ChunkBytes];
        alignas(cmsghdr) char control[CMSG_SPACE(4 * sizeof(int))];
        iovec iov { buffer, size_t(qMin<qint64>(maxBytes, sizeof(buffer))) };
        msghdr header {};
        header.msg_iov = &iov;
        header.msg_iovlen = 1;
        header.msg_control = control;
        header.msg_controllen = sizeof(control);
        const ssize_t n = recvmsg(m_fd, &header, MSG_CMSG_CLOEXEC);
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0)
            return { Status::Closed, {}, {} };
        if (n < 0)
            return { Status::Failed, {}, systemError() };
        keepDescriptors(&header);
        return { Status::Data, QByteArray(buffer, qsizetype(n)), {} };
    }
}

// Keeps the first descriptor; closes any others, which the protocols never send.
void UnixFdSocket::keepDescriptors(msghdr* header)
{
    for (cmsghdr* c = CMSG_FIRSTHDR(header); c; c = CMSG_NXTHDR(header, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; ++i) {
            int descriptor;
            memcpy(&descriptor, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
            if (m_passed < 0)
                m_passed = descriptor;
            else
                ::close(descriptor);
        }
    }
}

} // namespace pvc::core
