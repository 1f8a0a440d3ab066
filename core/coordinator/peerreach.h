#pragma once

#include "connectivity/peercandidates.h"
#include "coordinator/peerpaths.h"
#include "protocol/traversal.h"

#include <QJsonObject>
#include <QStringList>

// How one peer can be reached (docs/connectivity.md, "How a tunnel finds its path"): what the brokers observed of it,
// the peer's own announcement (its offer, later tunnel-info records) and the broker relaying for
// both of us. Its tunnel reads this to pick a path.
namespace pvc::core {

class PeerReach {
public:
    // The brokers' view: server-reflexive candidates.
    void addObserved(const PeerPaths& paths);
    // The peer's own view of its addresses, NAT and UDP.
    void readAnnouncement(const QJsonObject& record);
    // False when the relaying broker and tag are the ones we have.
    bool setRelay(const PeerPaths& paths);

    bool hasRelay() const { return m_relay.relayTag != 0; }
    QHostAddress relayBroker() const { return m_relay.relayBroker; }
    // The data plane's relay target; empty without a relay.
    RelayTarget relayTarget() const;
    sockaddr_in relayEndpoint() const;
    bool relaysThrough(const QHostAddress& broker, quint16 port) const;

    const PeerCandidates& candidates() const { return m_candidates; }
    NatKind nat() const { return m_nat; }
    bool udp() const { return m_udp; }
    const QStringList& tcpAddresses() const { return m_tcpAddresses; }

private:
    PeerPaths m_relay; // the relay fields only: the candidates are in m_candidates
    PeerCandidates m_candidates;
    NatKind m_nat = NatKind::Unknown;
    bool m_udp = true;
    QStringList m_tcpAddresses;
};

} // namespace pvc::core
