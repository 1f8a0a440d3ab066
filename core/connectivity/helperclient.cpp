#include "connectivity/helperclient.h"

#include <QDeadlineTimer>
#include <QFile>
#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace pvc::core {

namespace {

constexpr int TimeoutMs = 5000;

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

HelperClient::~HelperClient()
{
    disconnect();
}

void HelperClient::disconnect()
{
    if (m_socket >= 0)
        ::close(m_socket);
    m_socket = -1;
    m_reader = ipc::FrameReader(4096);
}

bool HelperClient::connectTo(const QString& socketPath, QString* error)
{
    disconnect();
    const QByteArray path = QFile::encodeName(socketPath);
    sockaddr_un address {};
    address.sun_family = AF_UNIX;
    if (path.isEmpty() || size_t(path.size()) >= sizeof(address.sun_path)) {
        *error = QStringLiteral("helper.unreachable: bad socket path %1").arg(socketPath);
        return false;
    }
    memcpy(address.sun_path, path.constData(), size_t(path.size()));
    m_socket = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (m_socket < 0 || ::connect(m_socket, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
        *error = QStringLiteral("helper.unreachable: %1: %2").arg(socketPath, systemError());
        disconnect();
        return false;
    }
    const Result<QJsonObject> hello = call(ipc::makeMessage("hello"));
    if (hello && hello->value(QLatin1String("version")).toInt() == ipc::ProtocolVersion)
        return true;
    *error = hello ? QStringLiteral("helper.protocol: the helper speaks another version")
                   : hello.error().code + QStringLiteral(": ") + hello.error().detail;
    disconnect();
    return false;
}

Result<int> HelperClient::openTun(const QString& name, const QString& address, int prefix, int mtu)
{
    QJsonObject request = ipc::makeMessage("open-tun");
    request.insert(QStringLiteral("name"), name);
    request.insert(QStringLiteral("address"), address);
    request.insert(QStringLiteral("prefix"), prefix);
    request.insert(QStringLiteral("mtu"), mtu);
    int fd = -1;
    const Result<QJsonObject> reply = call(request, &fd);
    if (!reply)
        return reply.error();
    if (fd < 0)
        return makeError("helper.protocol", QStringLiteral("tun-opened came without a descriptor"));
    return fd;
}

Result<int> HelperClient::openDnsSocket(const QString& address)
{
    QJsonObject request = ipc::makeMessage("open-dns");
    request.insert(QStringLiteral("address"), address);
    int fd = -1;
    const Result<QJsonObject> reply = call(request, &fd);
    if (!reply)
        return reply.error();
    if (fd < 0)
        return makeError("helper.protocol", QStringLiteral("dns-opened came without a descriptor"));
    return fd;
}

bool HelperClient::close(const QString& name)
{
    QJsonObject request = ipc::makeMessage("close");
    request.insert(QStringLiteral("name"), name);
    return call(request).ok();
}

Result<bool> HelperClient::allowTtcpPort(quint16 port)
{
    QJsonObject request = ipc::makeMessage("ttcp-allow");
    request.insert(QStringLiteral("port"), port);
    const Result<QJsonObject> reply = call(request);
    return reply ? Result<bool>(true) : Result<bool>(reply.error());
}

Result<bool> HelperClient::injectSyn(const QByteArray& packet)
{
    QJsonObject request = ipc::makeMessage("inject-syn");
    request.insert(QStringLiteral("packet"), QString::fromLatin1(packet.toBase64()));
    const Result<QJsonObject> reply = call(request);
    return reply ? Result<bool>(true) : Result<bool>(reply.error());
}

Result<bool> HelperClient::armSynCapture(quint16 port)
{
    QJsonObject request = ipc::makeMessage("capture-syn");
    request.insert(QStringLiteral("port"), port);
    const Result<QJsonObject> reply = call(request);
    return reply ? Result<bool>(true) : Result<bool>(reply.error());
}

Result<QByteArray> HelperClient::takeSyn(quint16 port)
{
    QJsonObject request = ipc::makeMessage("take-syn");
    request.insert(QStringLiteral("port"), port);
    const Result<QJsonObject> reply = call(request);
    if (!reply)
        return reply.error();
    auto packet = QByteArray::fromBase64Encoding(
        reply->value(QLatin1String("packet")).toString().toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
    if (!packet || packet.decoded.isEmpty())
        return makeError("helper.protocol", QStringLiteral("syn came without a packet"));
    return *packet;
}

Result<QJsonObject> HelperClient::fail(const char* code, const QString& detail)
{
    disconnect();
    return makeError(code, detail);
}

Result<QJsonObject> HelperClient::call(const QJsonObject& request, int* fd)
{
    if (m_socket < 0)
        return makeError("helper.unreachable", QStringLiteral("not connected"));
    const QDeadlineTimer deadline(TimeoutMs);
    const QByteArray frame = ipc::encodeFrame(request);
    for (qsizetype sent = 0; sent < frame.size();) {
        if (!waitFor(m_socket, POLLOUT, deadline))
            return fail("helper.timeout", QStringLiteral("the helper did not take the request"));
        const ssize_t n = ::send(m_socket, frame.constData() + sent, size_t(frame.size() - sent), MSG_NOSIGNAL);
        // A refused caller's socket is closed at once, maybe before the request went out; the
        // helper's reason (helper.denied) is still waiting to be read, so go on to read it.
        if (n < 0 && errno != EINTR)
            break;
        sent += qMax<ssize_t>(n, 0);
    }

    int passed = -1;
    for (;;) {
        QJsonObject reply;
        const ipc::FrameReader::Status status = m_reader.next(&reply);
        if (status == ipc::FrameReader::Status::Error) {
            if (passed >= 0)
                ::close(passed);
            return fail("helper.protocol", m_reader.errorCode());
        }
        if (status == ipc::FrameReader::Status::Frame) {
            if (fd && ipc::messageType(reply) != QLatin1String("error"))
                *fd = std::exchange(passed, -1);
            if (passed >= 0)
                ::close(passed);
            if (ipc::messageType(reply) == QLatin1String("error"))
                return Error { reply.value(QLatin1String("code")).toString(),
                    reply.value(QLatin1String("detail")).toString() };
            return reply;
        }
        if (!waitFor(m_socket, POLLIN, deadline))
            return fail("helper.timeout", QStringLiteral("no reply within %1 ms").arg(TimeoutMs));

        char buffer[4096];
        alignas(cmsghdr) char control[CMSG_SPACE(4 * sizeof(int))];
        iovec iov { buffer, size_t(qMin<qint64>(m_reader.room(), sizeof(buffer))) };
        msghdr header {};
        header.msg_iov = &iov;
        header.msg_iovlen = 1;
        header.msg_control = control;
        header.msg_controllen = sizeof(control);
        const ssize_t n = recvmsg(m_socket, &header, MSG_CMSG_CLOEXEC);
        if (n <= 0 && !(n < 0 && errno == EINTR)) {
            if (passed >= 0)
                ::close(passed);
            return fail(
                "helper.unreachable", n == 0 ? QStringLiteral("the helper closed the connection") : systemError());
        }
        if (n < 0)
            continue; // EINTR
        // Keep the first descriptor; close any others, which the protocol never sends.
        for (cmsghdr* c = CMSG_FIRSTHDR(&header); c; c = CMSG_NXTHDR(&header, c)) {
            if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                continue;
            const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (size_t i = 0; i < count; ++i) {
                int received;
                memcpy(&received, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                if (passed < 0)
                    passed = received;
                else
                    ::close(received);
            }
        }
        m_reader.append(QByteArray(buffer, qsizetype(n)));
    }
}

} // namespace pvc::core
