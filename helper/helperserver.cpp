#include "helperserver.h"

#include "helperconnection.h"
#include "ipc/frame.h"
#include "netdevices.h"
#include "ttcp.h"
#include "tundevice.h"
#include "validation.h"

#include <QFile>
#include <QMap>
#include <QSet>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcHelper, "pvc.helper", QtInfoMsg)

using namespace Qt::StringLiterals;

namespace pvc::helper {

HelperServer::HelperServer(const AccessPolicy& policy)
    : m_policy(policy)
{
}

HelperServer::~HelperServer()
{
    m_connections.clear();
    if (m_listenFd >= 0)
        ::close(m_listenFd);
    if (!m_path.isEmpty())
        unlink(m_path.constData());
}

// Only the helper's own user (root, in service) may change what the socket's directory holds: anyone else
// could put their own socket in its place, and pvcd would hand them its requests.
QString HelperServer::unsafeDirectory(const QByteArray& socketPath)
{
    const qsizetype slash = socketPath.lastIndexOf('/');
    const QByteArray dir = slash < 0 ? QByteArray(".") : slash == 0 ? QByteArray("/") : socketPath.left(slash);
    struct stat status { };
    if (lstat(dir.constData(), &status) != 0)
        return u"socket directory %1: %2"_s.arg(QFile::decodeName(dir), QString::fromLocal8Bit(strerror(errno)));
    if (!S_ISDIR(status.st_mode))
        return u"socket directory %1 is not a directory (a symbolic link is not followed)"_s.arg(
            QFile::decodeName(dir));
    if (status.st_uid != geteuid() || (status.st_mode & (S_IWGRP | S_IWOTH)) != 0)
        return u"socket directory %1 belongs to uid %2 with mode %3: it must be uid %4's and writable by it alone"_s
            .arg(QFile::decodeName(dir))
            .arg(status.st_uid)
            .arg(QString::number(status.st_mode & 07777, 8))
            .arg(geteuid());
    return {};
}

bool HelperServer::listen(const QString& path, QString* error)
{
    const auto fail = [error](const char* step, int code) {
        *error = u"%1: %2"_s.arg(QLatin1String(step), QString::fromLocal8Bit(strerror(code)));
        return false;
    };
    const QByteArray file = QFile::encodeName(path);
    sockaddr_un address {};
    address.sun_family = AF_UNIX;
    if (file.isEmpty() || size_t(file.size()) >= sizeof(address.sun_path))
        return fail("socket path", ENAMETOOLONG);
    memcpy(address.sun_path, file.constData(), size_t(file.size()));
    if (const QString unsafe = unsafeDirectory(file); !unsafe.isEmpty()) {
        *error = unsafe;
        return false;
    }
    if ((m_listenFd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
        return fail("socket", errno);
    // A stale socket from a crashed run is replaced; any other kind of file is left alone.
    struct stat existing { };
    if (lstat(file.constData(), &existing) == 0 && (!S_ISSOCK(existing.st_mode) || unlink(file.constData()) != 0))
        return fail("socket path", EEXIST);
    // Created with its final mode, so there is no moment at which anyone else could connect.
    const mode_t mode = m_policy.gid ? 0660 : 0600;
    const mode_t oldMask = umask(0777 & ~mode);
    const int bound = bind(m_listenFd, reinterpret_cast<const sockaddr*>(&address), sizeof(address));
    umask(oldMask);
    if (bound != 0)
        return fail("bind", errno);
    m_path = file;
    // lchown: a symlink swapped in after bind() is not followed. Serving a group, the file is root's (the
    // helper's): no member can change its mode.
    const uid_t owner = m_policy.gid ? geteuid() : m_policy.uid;
    if (lchown(file.constData(), owner, m_policy.gid.value_or(m_policy.userGid)) != 0)
        return fail("lchown", errno);
    if (::listen(m_listenFd, 16) != 0)
        return fail("listen", errno);
    qCInfo(lcHelper).noquote() << "listening on" << path << "mode" << QString::number(mode, 8);
    return true;
}

void HelperServer::run(int stopFd)
{
    for (;;) {
        std::vector<pollfd> fds { { stopFd, POLLIN, 0 }, { m_listenFd, POLLIN, 0 } };
        for (const auto& connection : m_connections)
            fds.push_back({ connection->fd, POLLIN, 0 });
        if (poll(fds.data(), fds.size(), nextTimeoutMs()) < 0 && errno != EINTR) {
            qCCritical(lcHelper) << "poll failed:" << strerror(errno);
            return;
        }
        if (fds[0].revents != 0)
            return;
        // From the back, so that erasing a connection does not shift the ones still to visit.
        for (size_t i = m_connections.size(); i-- > 0;) {
            Connection& connection = *m_connections[i];
            if (fds[i + 2].revents != 0 && !readRequests(connection)) {
                qCInfo(lcHelper) << "pid" << connection.peer.pid << "closed; releasing" << connection.tuns.keys();
                m_connections.erase(m_connections.begin() + qsizetype(i));
            } else if (connection.expireCaptures(); connection.idle()) {
                qCInfo(lcHelper) << "pid" << connection.peer.pid << "idle for" << IdleTimeout.count() << "s; closed";
                m_connections.erase(m_connections.begin() + qsizetype(i));
            }
        }
        if (fds[1].revents & POLLIN)
            acceptConnections();
    }
}

// Until the first capture expires (they are closed on time, not at the next request), or a third of the idle
// timeout.
int HelperServer::nextTimeoutMs() const
{
    auto next = Clock::now() + IdleTimeout / 3;
    for (const auto& connection : m_connections)
        for (const Connection::Capture& capture : std::as_const(connection->captures))
            next = std::min(next, capture.expiry);
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now()).count();
    return int(std::max<qint64>(wait, 0) + 1);
}

void HelperServer::acceptConnections()
{
    int fd;
    while ((fd = accept4(m_listenFd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
        auto connection = std::make_unique<Connection>(fd);
        QString error;
        if (!readPeerCredentials(fd, &connection->peer, &error))
            qCWarning(lcHelper).noquote() << "dropping a caller:" << error;
        else if (!m_policy.allows(connection->peer))
            send(*connection, u"connect"_s, refusal({ u"helper.denied"_s, u"not allowed"_s }));
        else if (m_connections.size() >= MaxConnections)
            send(*connection, u"connect"_s, refusal({ u"helper.busy"_s, u"too many callers"_s }));
        else if (connectionsOf(connection->peer.uid) >= MaxConnectionsPerUid)
            send(*connection, u"connect"_s,
                refusal({ u"helper.busy"_s, u"this user already has %1 connections"_s.arg(MaxConnectionsPerUid) }));
        else
            m_connections.push_back(std::move(connection));
    }
}

int HelperServer::connectionsOf(uid_t uid) const
{
    return int(std::count_if(m_connections.cbegin(), m_connections.cend(),
        [uid](const std::unique_ptr<Connection>& connection) { return connection->peer.uid == uid; }));
}

bool HelperServer::readRequests(Connection& connection)
{
    char buffer[MaxRequestBytes + 4];
    const qint64 room = qMin<qint64>(connection.reader.room(), sizeof(buffer));
    // recv, not recvmsg: descriptors a caller tries to pass us are discarded by the kernel.
    const ssize_t received = room > 0 ? recv(connection.fd, buffer, size_t(room), MSG_DONTWAIT) : 0;
    if (received <= 0)
        return received < 0 && (errno == EAGAIN || errno == EINTR);
    connection.reader.append(QByteArray(buffer, qsizetype(received)));
    connection.lastRequest = Clock::now();
    QJsonObject request;
    ipc::FrameReader::Status status;
    while ((status = connection.reader.next(&request)) == ipc::FrameReader::Status::Frame) {
        const QJsonValue port = request.value("port"_L1);
        const QString name
            = port.isDouble() ? QString::number(port.toDouble()) : request.value("name"_L1).toString().left(16);
        const QString command = ipc::messageType(request).left(32) + (name.isEmpty() ? QString() : u' ' + name);
        if (!send(connection, command, handle(connection, request)))
            return false;
    }
    if (status == ipc::FrameReader::Status::NeedMore)
        return true;
    const bool tooLarge = connection.reader.errorCode() == "frame.too_large"_L1;
    const QString code = tooLarge ? u"helper.too_large"_s : u"helper.bad_frame"_s;
    send(connection, u"frame"_s, refusal({ code, connection.reader.errorDetail() }));
    return false;
}

Reply HelperServer::handle(Connection& connection, const QJsonObject& request)
{
    const QString command = ipc::messageType(request);
    if (command == "hello"_L1) {
        QJsonObject hello = ipc::makeMessage("hello");
        hello.insert(u"version"_s, ipc::ProtocolVersion);
        return { hello };
    }
    if (command == "open-tun"_L1)
        return openTun(connection, request);
    if (command == "open-dns"_L1)
        return openDns(connection, request);
    if (command == "close"_L1)
        return close(connection, request);
    connection.expireCaptures();
    // Every such request counts, refused ones too, so they cannot make the helper read /proc in a loop.
    if ((command == "ttcp-allow"_L1 || command == "inject-syn"_L1 || command == "capture-syn"_L1) && !spend(connection))
        return refusal(
            { u"helper.rate_limited"_s, u"at most %1 Traversing-TCP requests in 10 s"_s.arg(MaxCostlyPerUid) });
    if (command == "ttcp-allow"_L1)
        return allowTtcp(connection, request);
    if (command == "inject-syn"_L1)
        return injectSyn(connection, request);
    if (command == "capture-syn"_L1)
        return captureSyn(connection, request);
    if (command == "take-syn"_L1)
        return takeSyn(connection, request);
    return refusal({ u"helper.unknown_command"_s,
        u"try hello, open-tun, open-dns, close, ttcp-allow, inject-syn, capture-syn, take-syn"_s });
}

Reply HelperServer::openTun(Connection& connection, const QJsonObject& request)
{
    TunRequest tun;
    if (const auto refused = parseTunRequest(request, &tun))
        return refusal(*refused);
    if (connection.tuns.contains(tun.name) || connection.tuns.size() >= MaxTunsPerConnection)
        return refusal({ u"helper.tun_failed"_s, u"already open, or this connection has 4 devices"_s });
    if (const auto conflict = checkAddressConflicts(tun))
        return refusal(*conflict);
    QString error;
    int ifindex = 0;
    const int fd = pvc::helper::openTun(tun, &ifindex, &error);
    if (fd < 0)
        return refusal({ u"helper.tun_failed"_s, error });
    connection.tuns.insert(tun.name, { tun.address, fd, ifindex });
    QJsonObject opened = ipc::makeMessage("tun-opened");
    opened.insert(u"name"_s, tun.name);
    return { opened, fd };
}

Reply HelperServer::openDns(Connection& connection, const QJsonObject& request)
{
    quint32 address = 0;
    if (const auto refused = parseDnsRequest(request, &address))
        return refusal(*refused);
    const auto& tuns = connection.tuns;
    if (std::none_of(tuns.cbegin(), tuns.cend(), [&](const Connection::Tun& tun) { return tun.address == address; }))
        return refusal({ u"helper.not_yours"_s, u"not the address of a TUN device you opened"_s });
    QString error;
    const int fd = openDnsSocket(address, &error);
    if (fd < 0)
        return refusal({ u"helper.dns_failed"_s, error });
    return { ipc::makeMessage("dns-opened"), fd, true };
}

Reply HelperServer::close(Connection& connection, const QJsonObject& request)
{
    QString name;
    if (const auto refused = parseName(request, &name))
        return refusal(*refused);
    const auto tun = connection.tuns.constFind(name);
    if (tun == connection.tuns.cend())
        return refusal({ u"helper.not_yours"_s, u"you opened no TUN device of that name"_s });
    closeTun(tun->fd, tun->ifindex, name.toLatin1());
    connection.tuns.erase(tun);
    QJsonObject closed = ipc::makeMessage("closed");
    closed.insert(u"name"_s, name);
    return { closed };
}

bool HelperServer::send(Connection& connection, const QString& command, const Reply& reply)
{
    const QString type = ipc::messageType(reply.message);
    // Not noquote: the command is quoted and escaped, so a hostile one cannot forge log lines.
    qCInfo(lcHelper) << "pid" << connection.peer.pid << "uid" << connection.peer.uid << command << "->"
                     << (type == "error"_L1 ? reply.message.value("code"_L1).toString() : type);

    const QByteArray frame = ipc::encodeFrame(reply.message);
    iovec iov { const_cast<char*>(frame.constData()), size_t(frame.size()) };
    msghdr header {};
    header.msg_iov = &iov;
    header.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] {};
    if (reply.fd >= 0) { // attached to the reply's first byte, so it arrives with the reply
        header.msg_control = control;
        header.msg_controllen = sizeof(control);
        cmsghdr* rights = CMSG_FIRSTHDR(&header);
        rights->cmsg_len = CMSG_LEN(sizeof(int));
        rights->cmsg_level = SOL_SOCKET;
        rights->cmsg_type = SCM_RIGHTS;
        memcpy(CMSG_DATA(rights), &reply.fd, sizeof(int));
    }
    // Replies are tiny: a caller that lets its receive buffer fill up is dropped, never waited for.
    const bool sent = sendmsg(connection.fd, &header, MSG_NOSIGNAL | MSG_DONTWAIT) == frame.size();
    if (reply.closeFdAfterSend)
        ::close(reply.fd);
    return sent;
}

} // namespace pvc::helper
