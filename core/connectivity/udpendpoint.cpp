#include "connectivity/udpendpoint.h"

#include <arpa/inet.h>

namespace pvc::core {

sockaddr_in toSockaddr(const QHostAddress& address, quint16 port)
{
    sockaddr_in out {};
    out.sin_family = AF_INET;
    out.sin_port = htons(port);
    out.sin_addr.s_addr = htonl(address.toIPv4Address());
    return out;
}

QString endpointText(const sockaddr_in& address)
{
    return addressOf(address).toString() + QLatin1Char(':') + QString::number(ntohs(address.sin_port));
}

QHostAddress addressOf(const sockaddr_in& address)
{
    return QHostAddress(ntohl(address.sin_addr.s_addr));
}

} // namespace pvc::core
