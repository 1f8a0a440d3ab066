#include "virtualization/addressplan.h"

#include <QHostAddress>

namespace pvc::core {

Result<AddressPlan> AddressPlan::parse(const QString& cidr)
{
    const QPair<QHostAddress, int> subnet = QHostAddress::parseSubnet(cidr);
    if (subnet.first.isNull() || subnet.first.protocol() != QAbstractSocket::IPv4Protocol)
        return makeError(
            "network.malformed", QStringLiteral("'%1' is not an IPv4 network like 240.1.0.0/16").arg(cidr));
    if (subnet.second != 16)
        return makeError(
            "network.bad_prefix", QStringLiteral("the overlay network must be a /16, not /%1").arg(subnet.second));
    AddressPlan plan;
    plan.m_prefix = subnet.second;
    plan.m_base = subnet.first.toIPv4Address() & (0xFFFFFFFFu << (32 - plan.m_prefix));
    if ((plan.m_base >> 28) != 0xF || plan.m_base >= 0xFF000000u)
        return makeError("network.not_class_e",
            QStringLiteral("the overlay network must lie inside 240.0.0.0/4 (below 255.0.0.0), not %1").arg(cidr));
    return plan;
}

QString AddressPlan::cidr() const
{
    return QStringLiteral("%1/%2").arg(QHostAddress(m_base).toString()).arg(m_prefix);
}

QString AddressPlan::addressAt(quint32 offset) const
{
    return QHostAddress(m_base + offset).toString();
}

bool AddressPlan::contains(const QString& address) const
{
    QHostAddress parsed(address);
    if (parsed.protocol() != QAbstractSocket::IPv4Protocol)
        return false;
    return (parsed.toIPv4Address() & (0xFFFFFFFFu << (32 - m_prefix))) == m_base;
}

} // namespace pvc::core
