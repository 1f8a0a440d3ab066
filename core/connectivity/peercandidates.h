#pragma once

#include "protocol/traversal.h"

#include <QHash>
#include <QHostAddress>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QStringList>
#include <netinet/in.h>

// What we know of one peer's reachability: the endpoints brokers observed and those the peer
// announced (docs/protocol.md, "tunnel-info"), each with its kind. Kept apart from the tunnel so
// that hole punching, birthday probing and the TCP paths read one account of where the peer is.
namespace pvc::core {

class PeerCandidates {
public:
    static constexpr int MaxCandidates = 12;

    // One endpoint may be several things: a mapping the router was asked for says the most.
    void add(const QHostAddress& address, quint16 port, CandidateKind kind);
    const QList<QPair<QHostAddress, quint16>>& endpoints() const { return m_endpoints; }
    std::optional<CandidateKind> kindOf(const sockaddr_in& endpoint) const;
    // Where the peer's packets come from on the internet: what a broker observed, or, for a host
    // with no NAT (a firewall at most), its own address. Port 0: neither is known.
    sockaddr_in publicEndpoint() const;
    // The addresses of the peer's own interfaces (kind host), for TCP punching.
    QStringList hostAddresses() const;
    // "ip:port" -> kind, for logs.
    QHash<QString, QString> describe() const;

private:
    QList<QPair<QHostAddress, quint16>> m_endpoints;
    QHash<QString, CandidateKind> m_kinds; // by "ip:port"
};

// A peer's tunnel offer or tunnel-info record, checked: unknown kinds and NATs are not trusted.
struct PeerAnnouncement {
    QList<std::tuple<QHostAddress, quint16, CandidateKind>> candidates; // at most MaxCandidates
    NatKind nat = NatKind::Unknown;
    bool udp = true;
    QStringList tcpAddresses; // IPv4 only, at most MaxCandidates
};
PeerAnnouncement readPeerAnnouncement(const QJsonObject& record);

} // namespace pvc::core
