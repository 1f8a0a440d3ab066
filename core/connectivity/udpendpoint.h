#pragma once

#include <QHostAddress>
#include <QString>
#include <netinet/in.h>

// IPv4 endpoints as the data plane takes them (sockaddr_in) and as logs, status and candidate keys
// spell them ("ip:port"): one conversion, so a key made in one unit matches one made in another.
namespace pvc::core {

sockaddr_in toSockaddr(const QHostAddress& address, quint16 port);
QString endpointText(const sockaddr_in& address);
QHostAddress addressOf(const sockaddr_in& address);

} // namespace pvc::core
