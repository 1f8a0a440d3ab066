// PeerTunnel carrying out path selection (connectivity/pathselector.h, docs/connectivity.md): the
// data plane's path and the probes (CandidateProber). What to do and when is decided by
// selectPath(); this only does it.
#include "common/logging.h"
#include "connectivity/tcppath.h"
#include "coordinator/peertunnel.h"
#include "coordinator/tunnelpathsutil.h"
#include "security/peersession.h"
#include "tunnel/dataplane.h"

namespace pvc::core {

using namespace tunnelpaths;

void PeerTunnel::choosePath(const PeerStats& peer, qint64 now)
{
    for (const PathAction& action : selectPath(m_state, peer, pathContext(), now))
        carryOut(action);
}

PathContext PeerTunnel::pathContext() const
{
    PathContext context;
    context.localNat = m_host.localNat;
    context.localUdp = m_host.localUdp;
    context.peerNat = m_reach.nat();
    context.peerUdp = m_reach.udp();
    context.peerPublic = m_reach.candidates().publicEndpoint();
    context.hasUdpRelay = m_reach.hasRelay();
    context.tcpPunching = m_tcp && m_tcp->isPunching();
    context.tlsClient = session() && session()->isTlsClient();
    return context;
}

void PeerTunnel::carryOut(const PathAction& action)
{
    switch (action.kind) {
    case PathAction::Kind::Renew:
        Q_EMIT expired();
        break;
    case PathAction::Kind::UseDirect:
        if (action.rebound)
            qCInfo(lcDaemon) << m_name << "now reaches us from" << endpointText(action.endpoint);
        useDirect(action.endpoint, action.socket);
        break;
    case PathAction::Kind::UseRelay:
        if (!useRelay(action.why))
            useStream(action.why);
        break;
    case PathAction::Kind::UseStream:
        useStream(action.why);
        break;
    case PathAction::Kind::StartTcpPunch:
        m_tcp->startPunch(0);
        break;
    case PathAction::Kind::Punch:
        m_prober.punch(m_reach);
        break;
    case PathAction::Kind::StartSpray:
        qCInfo(lcDaemon) << m_name << "is behind a symmetric NAT: probing" << action.count << "random ports of"
                         << addressOf(action.endpoint).toString();
        break;
    case PathAction::Kind::Spray:
        m_prober.spray(action.endpoint, action.count);
        break;
    case PathAction::Kind::QueueBirthday:
        m_host.birthday->enqueue(m_name);
        break;
    }
}

void PeerTunnel::useDirect(const sockaddr_in& endpoint, int socket)
{
    m_tcp->release();
    if (m_state.directSocket >= 0 && m_state.directSocket != socket)
        m_host.dataPlane->removeSocket(m_state.directSocket);
    m_host.dataPlane->setPath(m_localIndex, endpoint, false, false, socket);
    m_state.path = PathKind::Direct;
    m_state.confirmed = false;
    m_state.directEndpoint = endpoint;
    m_state.directSocket = socket;
    m_state.pathSinceMs = nowMs();
    m_technique.setOurs(Technique::None);
    nameTechnique();
    m_host.birthday->finish(m_name, socket);
    qCInfo(lcDaemon) << "direct path to" << m_name << "at" << endpointText(endpoint) << "("
                     << toString(m_technique.ours()) << (socket >= 0 ? "from a birthday socket)" : ")") << "after"
                     << (m_state.pathSinceMs - m_state.startedMs) << "ms";
}

// What let our direct path through, from the kind of the peer's endpoint it uses; the peer hears it.
void PeerTunnel::nameTechnique()
{
    m_technique.name(m_state.directSocket >= 0, m_reach.candidates().kindOf(m_state.directEndpoint), session());
}

bool PeerTunnel::useRelay(const QString& why)
{
    if (!canUseUdpRelay(m_state, pathContext()))
        return false;
    // The direct address is kept for later; traffic goes to the relay target.
    const sockaddr_in keep = m_state.path == PathKind::Direct ? m_state.directEndpoint : m_reach.relayEndpoint();
    if (!m_host.dataPlane->setPath(m_localIndex, keep, true, false))
        return false;
    enterRelay(PathKind::Relay);
    qCInfo(lcDaemon) << "tunnel to" << m_name << "relayed by" << m_reach.relayBroker().toString() << "(UDP):" << why;
    return true;
}

// The bookkeeping of leaving a direct path (or another relay) for a relay; the data plane's path is set.
void PeerTunnel::enterRelay(PathKind relay)
{
    const bool wasDirect = m_state.path == PathKind::Direct;
    m_tcp->release();
    if (m_state.directSocket >= 0)
        m_host.dataPlane->removeSocket(m_state.directSocket);
    m_state.directSocket = -1;
    m_state.path = relay;
    m_state.confirmed = false;
    m_state.pathSinceMs = nowMs();
    if (wasDirect)
        DirectTechnique::tell(Technique::None, session());
}

void PeerTunnel::useStream(const QString& why)
{
    m_host.dataPlane->setPath(m_localIndex, m_state.directEndpoint, false, true);
    enterRelay(PathKind::Stream);
    qCInfo(lcDaemon) << "tunnel to" << m_name << "relayed through the peer session (TCP):" << why;
}

} // namespace pvc::core
