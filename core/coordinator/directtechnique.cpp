#include "coordinator/directtechnique.h"

#include "connectivity/pathselector.h"
#include "ipc/frame.h"
#include "security/peersession.h"

namespace pvc::core {

namespace {
int rank(Technique technique)
{
    switch (technique) {
    case Technique::Public:
        return 3;
    case Technique::Upnp:
        return 2;
    case Technique::None:
        return 0;
    default:
        return 1;
    }
}
} // namespace

void DirectTechnique::name(bool birthdaySocket, std::optional<CandidateKind> peerEndpoint, PeerSession* session)
{
    // A birthday socket means a symmetric NAT on our side was punched, whatever the peer's address.
    const Technique technique = birthdaySocket ? Technique::UdpPunch
        : peerEndpoint == CandidateKind::Upnp  ? Technique::Upnp
        : peerEndpoint == CandidateKind::Host  ? Technique::Public
                                               : Technique::UdpPunch;
    if (technique == m_ours)
        return;
    m_ours = technique;
    tell(m_ours, session);
}

void DirectTechnique::tell(Technique technique, PeerSession* session)
{
    if (!session)
        return;
    QJsonObject record = ipc::makeMessage("tunnel-path");
    record.insert(QStringLiteral("technique"), toString(technique));
    session->sendRecord(record);
}

void DirectTechnique::readPeerRecord(const QJsonObject& record)
{
    // Only what names a direct UDP path: anything else the peer says is not trusted.
    const auto technique = parseTechnique(record.value(QLatin1String("technique")).toString());
    const bool known
        = technique == Technique::Public || technique == Technique::Upnp || technique == Technique::UdpPunch;
    m_peers = known ? *technique : Technique::None;
}

Technique DirectTechnique::shown(PathKind path) const
{
    if (path == PathKind::DirectTcp)
        return m_ours;
    if (path != PathKind::Direct)
        return Technique::Relay;
    // Both sides name what let them through; the pair is described by the more open side.
    return rank(m_peers) > rank(m_ours) ? m_peers : m_ours;
}

} // namespace pvc::core
