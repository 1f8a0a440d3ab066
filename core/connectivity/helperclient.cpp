#include "connectivity/helperclient.h"

#include <QDeadlineTimer>
#include <arpa/inet.h>
#include <cstring>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace pvc::core {

namespace {

constexpr int TimeoutMs = 5000;

} // namespace

bool HelperClient::isTunNamed(int fd, const QString& name)
{
    ifreq ifr {};
    return ioctl(fd, TUNGETIFF, &ifr) == 0 && (ifr.ifr_flags & IFF_TUN) && QLatin1String(ifr.ifr_name) == name;
}

bool HelperClient::isDnsSocketOn(int fd, const QString& address)
{
    sockaddr_in local {};
    socklen_t length = sizeof(local);
    int type = 0;
    socklen_t typeLength = sizeof(type);
    char text[INET_ADDRSTRLEN] = {};
    return getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) == 0 && local.sin_family == AF_INET
        && ntohs(local.sin_port) == 53 && inet_ntop(AF_INET, &local.sin_addr, text, sizeof(text))
        && QLatin1String(text) == address && getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &typeLength) == 0
        && type == SOCK_DGRAM;
}

HelperClient::~HelperClient()
{
    disconnect();
}

void HelperClient::disconnect()
{
    m_socket.close();
    m_reader = ipc::FrameReader(4096);
}

bool HelperClient::connectTo(const QString& socketPath, QString* error)
{
    disconnect();
    QString detail;
    if (!m_socket.connectTo(socketPath, &detail)) {
        *error = QStringLiteral("helper.unreachable: ") + detail;
        return false;
    }
    // Only root can hand out TUN devices; anyone else listening there is not our helper.
    if (m_socket.peerUid() != 0) {
        *error = QStringLiteral("helper.protocol: the process at %1 runs as uid %2, not root")
                     .arg(socketPath)
                     .arg(m_socket.peerUid());
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
    if (!isTunNamed(fd, name)) {
        ::close(fd);
        return makeError("helper.protocol", QStringLiteral("tun-opened passed something that is not TUN %1").arg(name));
    }
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
    if (!isDnsSocketOn(fd, address)) {
        ::close(fd);
        return makeError("helper.protocol",
            QStringLiteral("dns-opened passed something that is not a UDP socket on %1:53").arg(address));
    }
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

Result<bool> HelperClient::armSynCapture(quint16 port, const QHostAddress& to, quint16 toPort)
{
    QJsonObject request = ipc::makeMessage("capture-syn");
    request.insert(QStringLiteral("port"), port);
    request.insert(QStringLiteral("to"), to.toString());
    request.insert(QStringLiteral("to_port"), toPort);
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
    using Status = UnixFdSocket::Received::Status;
    if (!m_socket.isOpen())
        return makeError("helper.unreachable", QStringLiteral("not connected"));
    const QDeadlineTimer deadline(TimeoutMs);
    // A refused caller's socket is closed at once, maybe before the request went out; the helper's
    // reason (helper.denied) is still waiting to be read, so a failed send goes on to read it.
    if (m_socket.sendAll(ipc::encodeFrame(request), deadline) == UnixFdSocket::Sent::TimedOut)
        return fail("helper.timeout", QStringLiteral("the helper did not take the request"));
    for (;;) {
        QJsonObject reply;
        const ipc::FrameReader::Status status = m_reader.next(&reply);
        if (status == ipc::FrameReader::Status::Error)
            return fail("helper.protocol", m_reader.errorCode());
        if (status == ipc::FrameReader::Status::Frame)
            return finish(reply, fd);
        const UnixFdSocket::Received received = m_socket.receive(m_reader.room(), deadline);
        switch (received.status) {
        case Status::Data:
            m_reader.append(received.data);
            break;
        case Status::TimedOut:
            return fail("helper.timeout", QStringLiteral("no reply within %1 ms").arg(TimeoutMs));
        case Status::Closed:
            return fail("helper.unreachable", QStringLiteral("the helper closed the connection"));
        case Status::Failed:
            return fail("helper.unreachable", received.error);
        }
    }
}

// A descriptor passed with the reply goes to *fd, or is closed when nobody asked for one or the reply
// is an error.
Result<QJsonObject> HelperClient::finish(const QJsonObject& reply, int* fd)
{
    const bool isError = ipc::messageType(reply) == QLatin1String("error");
    const int passed = m_socket.takeDescriptor();
    if (fd && !isError)
        *fd = passed;
    else if (passed >= 0)
        ::close(passed);
    if (isError)
        return Error { reply.value(QLatin1String("code")).toString(), reply.value(QLatin1String("detail")).toString() };
    return reply;
}

} // namespace pvc::core
