#include "coordinator/candidateprober.h"

#include "connectivity/udpendpoint.h"
#include "coordinator/peerreach.h"
#include "coordinator/tunnelhost.h"
#include "tunnel/dataplane.h"

#include <QRandomGenerator>

namespace pvc::core {

CandidateProber::CandidateProber(const TunnelHost& host, quint32 localIndex)
    : m_host(host)
    , m_localIndex(localIndex)
{
}

void CandidateProber::punch(const PeerReach& peer) const
{
    if (!m_host.localUdp || !peer.udp())
        return;
    for (const auto& [address, port] : peer.candidates().endpoints())
        m_host.dataPlane->probe(m_localIndex, toSockaddr(address, port));
}

void CandidateProber::spray(const sockaddr_in& endpoint, int count) const
{
    const QHostAddress address = addressOf(endpoint);
    for (int i = 0; i < count; ++i)
        m_host.dataPlane->probe(
            m_localIndex, toSockaddr(address, quint16(QRandomGenerator::global()->bounded(1024, 65536))));
}

} // namespace pvc::core
