#include "coordinator/peerreach.h"

#include "connectivity/udpendpoint.h"
#include "coordinator/tunnelpathsutil.h"

namespace pvc::core {

void PeerReach::addObserved(const PeerPaths& paths)
{
    for (const auto& [address, port] : paths.candidates)
        m_candidates.add(address, port, CandidateKind::Srflx);
}

void PeerReach::readAnnouncement(const QJsonObject& record)
{
    const PeerAnnouncement announced = readPeerAnnouncement(record);
    m_nat = announced.nat;
    m_udp = announced.udp;
    m_tcpAddresses = announced.tcpAddresses;
    for (const auto& [address, port, kind] : announced.candidates)
        m_candidates.add(address, port, kind);
}

bool PeerReach::setRelay(const PeerPaths& paths)
{
    if (paths.relayTag == m_relay.relayTag && paths.relayBroker == m_relay.relayBroker)
        return false;
    m_relay.relayBroker = paths.relayBroker;
    m_relay.relayPort = paths.relayPort;
    m_relay.relayTag = paths.relayTag;
    return true;
}

RelayTarget PeerReach::relayTarget() const
{
    return hasRelay() ? tunnelpaths::relayTarget(m_relay) : RelayTarget {};
}

sockaddr_in PeerReach::relayEndpoint() const
{
    return toSockaddr(m_relay.relayBroker, m_relay.relayPort);
}

bool PeerReach::relaysThrough(const QHostAddress& broker, quint16 port) const
{
    return m_relay.relayTag && m_relay.relayBroker == broker && m_relay.relayPort == port;
}

} // namespace pvc::core
