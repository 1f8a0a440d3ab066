#include "coordinator/peertunnel.h"

#include "common/logging.h"
#include "connectivity/tcppath.h"
#include "coordinator/tunnelpathsutil.h"
#include "ipc/frame.h"
#include "security/peersession.h"
#include "tunnel/dataplane.h"

namespace pvc::core {

using namespace tunnelpaths;

namespace {
constexpr qint64 MaxStreamBacklogBytes = 512 * 1024;
} // namespace

PeerTunnel::PeerTunnel(const QString& name, PeerSession* session, quint32 localIndex, const TunnelHost& host)
    : m_name(name)
    , m_host(host)
    , m_localIndex(localIndex)
    , m_session(session)
{
}

PeerTunnel::~PeerTunnel() = default;

PeerSession* PeerTunnel::session() const
{
    return m_session;
}

// The peer's own view of its addresses, NAT and UDP (the offer, or a later tunnel-info).
void PeerTunnel::readAnnouncement(const QJsonObject& record)
{
    const PeerAnnouncement announced = readPeerAnnouncement(record);
    m_peerNat = announced.nat;
    m_peerUdp = announced.udp;
    m_peerTcpAddresses = announced.tcpAddresses;
    for (const auto& [address, port, kind] : announced.candidates)
        m_candidates.add(address, port, kind);
}

bool PeerTunnel::accept(
    PeerSession* session, quint32 virtualIp, const QJsonObject& offer, const PeerPaths& paths, QString* error)
{
    m_remoteIndex = quint32(offer.value(QLatin1String("index")).toInteger());
    m_relay.relayBroker = paths.relayBroker;
    m_relay.relayPort = paths.relayPort;
    m_relay.relayTag = paths.relayTag;
    // What the brokers observed first, then the peer's own view of its addresses.
    for (const auto& [address, port] : paths.candidates)
        m_candidates.add(address, port, CandidateKind::Srflx);
    readAnnouncement(offer);

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
    if (m_relay.relayTag)
        config.relay = relayTarget(m_relay);
    Error failure;
    if (!m_host.dataPlane->addPeer(config, &failure)) {
        *error = failure.code + QLatin1String(": ") + failure.detail;
        return false;
    }
    m_added = true;
    makeTcpPath();
    m_state.startedMs = nowMs();
    // The first packets go through a relay at once; punching runs meanwhile (choosePath).
    const bool udp = m_host.localUdp && m_peerUdp;
    if (!udp || !useRelay(QStringLiteral("while punching")))
        useStream(udp ? QStringLiteral("no UDP relay yet") : QStringLiteral("UDP is blocked"));
    schedulePunch(m_state, m_state.startedMs);
    probeCandidates();
    qCInfo(lcDaemon) << "tunnel to" << m_name << "index" << m_localIndex << "->" << m_remoteIndex << "peer NAT"
                     << toString(m_peerNat) << "candidates" << m_candidates.describe();
    return true;
}

void PeerTunnel::handleRecord(const QString& type, const QJsonObject& record)
{
    if (type == QLatin1String("tunnel-info")) {
        readAnnouncement(record);
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
        // Only what names a direct UDP path: anything else the peer says is not trusted.
        const auto technique = parseTechnique(record.value(QLatin1String("technique")).toString());
        const bool known
            = technique == Technique::Public || technique == Technique::Upnp || technique == Technique::UdpPunch;
        m_peerTechnique = known ? *technique : Technique::None;
    }
}

void PeerTunnel::updatePaths(const PeerPaths& paths)
{
    for (const auto& [address, port] : paths.candidates)
        m_candidates.add(address, port, CandidateKind::Srflx);
    if (paths.relayTag == m_relay.relayTag && paths.relayBroker == m_relay.relayBroker)
        return;
    m_relay.relayBroker = paths.relayBroker;
    m_relay.relayPort = paths.relayPort;
    m_relay.relayTag = paths.relayTag;
    m_host.dataPlane->setRelay(m_localIndex, paths.relayTag ? relayTarget(m_relay) : RelayTarget {});
    if (m_state.path == PathKind::Relay && !paths.relayTag)
        useStream(QStringLiteral("the relaying broker is gone"));
    else if (m_state.path == PathKind::Stream && canUseUdpRelay(m_state, pathContext()))
        useRelay(QStringLiteral("a UDP relay is available"));
}

void PeerTunnel::sendStreamDatagram(const QByteArray& datagram)
{
    if (m_state.path == PathKind::DirectTcp && m_tcp && m_tcp->send(datagram))
        return;
    if (!m_session)
        return;
    // Like a full router queue: the inner TCP sees the loss and slows down.
    if (m_session->transportBacklog() > MaxStreamBacklogBytes)
        return;
    QJsonObject record = ipc::makeMessage("tunnel-packet");
    record.insert(QStringLiteral("d"), QString::fromLatin1(datagram.toBase64()));
    m_session->sendRecord(record);
}

bool PeerTunnel::relaysThrough(const QHostAddress& broker, quint16 port) const
{
    return m_relay.relayTag && m_relay.relayBroker == broker && m_relay.relayPort == port;
}

BirthdayProber::Peer PeerTunnel::birthdayPeer() const
{
    return { m_localIndex, m_state.path == PathKind::Direct, m_state.directSocket, m_candidates.publicEndpoint() };
}

void PeerTunnel::askForSpray()
{
    if (!m_session)
        return;
    // A port the peer probes that one of our sockets mapped gets through both NATs.
    QJsonObject record = ipc::makeMessage("tunnel-punch");
    record.insert(QStringLiteral("spray"), true);
    m_session->sendRecord(record);
}

} // namespace pvc::core
