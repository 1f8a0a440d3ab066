#include "coordinator/tunneldevice.h"

#include "common/logging.h"
#include "connectivity/helperclient.h"
#include "connectivity/udpendpoint.h"
#include "virtualization/dnsservice.h"

#include <QNetworkInterface>
#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace pvc::core {

namespace {
constexpr int SocketBufferBytes = 4 * 1024 * 1024;

bool setNonBlocking(int fd)
{
    const int flags = fcntl(fd, F_GETFL);
    return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}
} // namespace

TunnelDevice::TunnelDevice() = default;

TunnelDevice::~TunnelDevice()
{
    m_dns.reset();
    for (int* fd : { &m_tunFd, &m_placeholderFd, &m_udpFd }) {
        if (*fd >= 0)
            ::close(*fd);
        *fd = -1;
    }
    m_helper.reset();
}

bool TunnelDevice::open(const Settings& settings, DnsResponder::Lookup lookup, QString* error)
{
    return openTun(settings, std::move(lookup), error) && openUdpSocket(settings.udpPort, error);
}

bool TunnelDevice::openTun(const Settings& settings, DnsResponder::Lookup lookup, QString* error)
{
    if (!settings.helperSocket.isEmpty()) {
        m_helper = std::make_unique<HelperClient>();
        if (!m_helper->connectTo(settings.helperSocket, error))
            return false;
        auto tun = m_helper->openTun(settings.interfaceName, settings.virtualIp, settings.prefix, settings.mtu);
        if (!tun) {
            *error = tun.error().code + QLatin1String(": ") + tun.error().detail;
            return false;
        }
        m_tunFd = *tun;
        auto dns = m_helper->openDnsSocket(settings.virtualIp);
        if (dns)
            m_dns = std::make_unique<DnsService>(*dns, settings.domain, std::move(lookup));
        else
            qCWarning(lcDaemon) << "no virtual DNS:" << dns.error().code << dns.error().detail;
    } else {
        int pair[2];
        if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, pair) != 0) {
            *error = QStringLiteral("tunnel.system: socketpair failed");
            return false;
        }
        m_tunFd = pair[0];
        m_placeholderFd = pair[1];
    }
    setNonBlocking(m_tunFd);
    return true;
}

bool TunnelDevice::openUdpSocket(quint16 port, QString* error)
{
    m_udpFd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const sockaddr_in any = toSockaddr(QHostAddress::AnyIPv4, port);
    socklen_t length = sizeof(sockaddr_in);
    sockaddr_in bound {};
    if (m_udpFd < 0 || bind(m_udpFd, reinterpret_cast<const sockaddr*>(&any), sizeof(any)) != 0
        || getsockname(m_udpFd, reinterpret_cast<sockaddr*>(&bound), &length) != 0) {
        *error = QStringLiteral("tunnel.system: cannot bind the tunnel UDP port %1").arg(port);
        return false;
    }
    m_udpPort = ntohs(bound.sin_port);
    setsockopt(m_udpFd, SOL_SOCKET, SO_RCVBUF, &SocketBufferBytes, sizeof(SocketBufferBytes));
    setsockopt(m_udpFd, SOL_SOCKET, SO_SNDBUF, &SocketBufferBytes, sizeof(SocketBufferBytes));
    return true;
}

QStringList TunnelDevice::localCandidates() const
{
    QStringList candidates;
    if (!m_udpPort)
        return candidates;
    for (const QHostAddress& address : QNetworkInterface::allAddresses()) {
        if (address.protocol() != QAbstractSocket::IPv4Protocol || address.isLoopback())
            continue;
        if ((address.toIPv4Address() >> 28) == 0xF)
            continue; // our own overlay address is no way to reach us
        candidates << address.toString() + QLatin1Char(':') + QString::number(m_udpPort);
    }
    return candidates;
}

} // namespace pvc::core
