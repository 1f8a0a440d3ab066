#include "connectivity/peercandidates.h"

#include "common/hostport.h"
#include "connectivity/udpendpoint.h"

#include <QJsonArray>

namespace pvc::core {

void PeerCandidates::add(const QHostAddress& address, quint16 port, CandidateKind kind)
{
    if (address.isNull() || address.protocol() != QAbstractSocket::IPv4Protocol || port == 0)
        return;
    const QString key = endpointText(toSockaddr(address, port));
    const auto known = m_kinds.find(key);
    if (known != m_kinds.end()) {
        if (kind == CandidateKind::Upnp || (kind == CandidateKind::Host && *known == CandidateKind::Srflx))
            *known = kind;
        return;
    }
    if (m_endpoints.size() >= MaxCandidates)
        return;
    m_endpoints.append({ address, port });
    m_kinds.insert(key, kind);
}

std::optional<CandidateKind> PeerCandidates::kindOf(const sockaddr_in& endpoint) const
{
    const auto it = m_kinds.constFind(endpointText(endpoint));
    return it == m_kinds.cend() ? std::nullopt : std::optional(*it);
}

sockaddr_in PeerCandidates::publicEndpoint() const
{
    for (const CandidateKind kind : { CandidateKind::Srflx, CandidateKind::Host })
        for (const auto& [address, port] : m_endpoints)
            if (kindOf(toSockaddr(address, port)) == kind)
                return toSockaddr(address, port);
    return {};
}

QStringList PeerCandidates::hostAddresses() const
{
    QStringList out;
    for (const auto& [address, port] : m_endpoints)
        if (kindOf(toSockaddr(address, port)) == CandidateKind::Host)
            out << address.toString();
    return out;
}

QHash<QString, QString> PeerCandidates::describe() const
{
    QHash<QString, QString> out;
    for (auto it = m_kinds.cbegin(); it != m_kinds.cend(); ++it)
        out.insert(it.key(), toString(it.value()));
    return out;
}

PeerAnnouncement readPeerAnnouncement(const QJsonObject& record)
{
    constexpr int Max = PeerCandidates::MaxCandidates;
    PeerAnnouncement out;
    for (const QJsonValue& value : record.value(QLatin1String("tcp_addresses")).toArray()) {
        const QHostAddress address(value.toString());
        if (address.protocol() == QAbstractSocket::IPv4Protocol && out.tcpAddresses.size() < Max)
            out.tcpAddresses.append(address.toString());
    }
    for (const QJsonValue& value : record.value(QLatin1String("candidates")).toArray()) {
        const QJsonObject candidate = value.toObject();
        const auto endpoint = HostPort::parse(candidate.value(QLatin1String("endpoint")).toString());
        const auto kind = parseCandidateKind(candidate.value(QLatin1String("kind")).toString());
        if (!endpoint || !kind)
            continue;
        out.candidates.append({ QHostAddress(endpoint->host), endpoint->port, *kind });
        if (out.candidates.size() >= Max)
            break;
    }
    out.nat = parseNatKind(record.value(QLatin1String("nat")).toString()).value_or(NatKind::Unknown);
    out.udp = record.value(QLatin1String("udp")).toBool(true);
    return out;
}

} // namespace pvc::core
