#include "coordinator/peertunnel.h"

#include "common/logging.h"
#include "connectivity/tcppath.h"
#include "coordinator/peertunnelstatus.h"
#include "coordinator/tunnelpathsutil.h"
#include "security/peersession.h"
#include "tunnel/dataplane.h"

namespace pvc::core {

using namespace tunnelpaths;

PeerTunnel::PeerTunnel(const QString& name, PeerSession* session, quint32 localIndex, const TunnelHost& host)
    : m_name(name)
    , m_host(host)
    , m_localIndex(localIndex)
    , m_link(session)
    , m_prober(host, localIndex)
{
}

PeerTunnel::~PeerTunnel() = default;

PeerSession* PeerTunnel::session() const
{
    return m_link.session();
}

bool PeerTunnel::accept(
    PeerSession* session, quint32 virtualIp, const QJsonObject& offer, const PeerPaths& paths, QString* error)
{
    m_remoteIndex = quint32(offer.value(QLatin1String("index")).toInteger());
    m_reach.setRelay(paths);
    // What the brokers observed first, then the peer's own view of its addresses.
    m_reach.addObserved(paths);
    m_reach.readAnnouncement(offer);

    PeerConfig config;
    config.name = m_name;
    config.virtualIp = virtualIp;
    config.localIndex = m_localIndex;
    config.remoteIndex = m_remoteIndex;
    config.isClient = session->isTlsClient();
    config.exporter = [session](const QByteArray& label, const QByteArray& context, int length) {
        const auto secret = session->exportKeyingMaterial(label, context, length);
        return secret ? *secret : QByteArray();
    };
    config.relay = m_reach.relayTarget();
    Error failure;
    if (!m_host.dataPlane->addPeer(config, &failure)) {
        *error = failure.code + QLatin1String(": ") + failure.detail;
        return false;
    }
    m_added = true;
    makeTcpPath();
    m_state.startedMs = nowMs();
    // The first packets go through a relay at once; punching runs meanwhile (choosePath).
    const bool udp = m_host.localUdp && m_reach.udp();
    if (!udp || !useRelay(QStringLiteral("while punching")))
        useStream(udp ? QStringLiteral("no UDP relay yet") : QStringLiteral("UDP is blocked"));
    schedulePunch(m_state, m_state.startedMs);
    m_prober.punch(m_reach);
    qCInfo(lcDaemon) << "tunnel to" << m_name << "index" << m_localIndex << "->" << m_remoteIndex << "peer NAT"
                     << toString(m_reach.nat()) << "candidates" << m_reach.candidates().describe();
    return true;
}

void PeerTunnel::handleRecord(const QString& type, const QJsonObject& record)
{
    if (type == QLatin1String("tunnel-info")) {
        m_reach.readAnnouncement(record);
        if (m_state.path == PathKind::Direct)
            nameTechnique(); // the endpoint in use may have turned out to be a UPnP mapping
        // New ways to reach the peer: punch again soon.
        m_state.punchRounds = 0;
        m_state.nextPunchMs = 0;
    } else if (type == QLatin1String("tunnel-tcp")) {
        m_tcp->handleTcpRecord(record);
    } else if (type == QLatin1String("tunnel-ttcp")) {
        m_tcp->handleTtcpRecord(record);
    } else if (type == QLatin1String("tunnel-punch")) {
        m_state.sprayRequested = record.value(QLatin1String("spray")).toBool();
    } else if (type == QLatin1String("tunnel-path")) {
        m_technique.readPeerRecord(record);
    }
}

void PeerTunnel::updatePaths(const PeerPaths& paths)
{
    m_reach.addObserved(paths);
    if (!m_reach.setRelay(paths))
        return;
    m_host.dataPlane->setRelay(m_localIndex, m_reach.relayTarget());
    if (m_state.path == PathKind::Relay && !paths.relayTag)
        useStream(QStringLiteral("the relaying broker is gone"));
    else if (m_state.path == PathKind::Stream && canUseUdpRelay(m_state, pathContext()))
        useRelay(QStringLiteral("a UDP relay is available"));
}

void PeerTunnel::sendStreamDatagram(const QByteArray& datagram)
{
    if (m_state.path == PathKind::DirectTcp && m_tcp && m_tcp->send(datagram))
        return;
    m_link.sendDatagram(datagram);
}

bool PeerTunnel::relaysThrough(const QHostAddress& broker, quint16 port) const
{
    return m_reach.relaysThrough(broker, port);
}

BirthdayProber::Peer PeerTunnel::birthdayPeer() const
{
    return { m_localIndex, m_state.path == PathKind::Direct, m_state.directSocket,
        m_reach.candidates().publicEndpoint() };
}

void PeerTunnel::askForSpray()
{
    m_link.askForSpray();
}

QJsonObject PeerTunnel::json(const PeerStats* peer) const
{
    PeerTunnelStatus status;
    status.path = m_state.path;
    status.confirmed = m_state.confirmed;
    status.technique = m_technique.shown(m_state.path);
    status.peerNat = m_reach.nat();
    if (m_state.path == PathKind::DirectTcp)
        status.tcpPeer = m_tcp->peerText();
    status.relayEndpoint = m_reach.relayEndpoint();
    return status.json(peer);
}

} // namespace pvc::core
