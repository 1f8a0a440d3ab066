// Path selection and NAT traversal for TunnelManager (docs/connectivity.md). Every tunnel starts on
// a relay (UDP through a broker, or the peer session's TCP relay when either side's UDP is blocked)
// and meanwhile punches: both sides probe all of each other's candidates at once, with
// authenticated probes, and the first direct datagram the peer's session opens moves the tunnel to
// that address. Against a symmetric NAT the other side also sprays probes at random ports of the
// symmetric side's address while the symmetric side probes from many sockets (birthday paradox).
// A direct path that goes silent falls back to the relay; punching goes on, so it comes back.
#include "common/logging.h"
#include "coordinator/tunnelmanager.h"
#include "coordinator/tunnelpathsutil.h"
#include "ipc/frame.h"
#include "protocol/brokerprotocol.h"
#include "security/peersession.h"
#include "tunnel/dataplane.h"

#include <QRandomGenerator>
#include <QtEndian>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

namespace pvc::core {

using namespace tunnelpaths;

namespace {
constexpr int FastPunchRounds = 20; // every FastPunchMs: the first 10 s
constexpr qint64 FastPunchMs = 500;
constexpr qint64 SlowPunchMs = 5000; // then for as long as the tunnel is relayed
constexpr qint64 DirectTrialMs = 3000; // a direct path the peer never answered on is given up
constexpr qint64 DirectDeadMs = 6000; // probes go every 2 s: this much silence means the path died
constexpr qint64 BusyDeadMs = 2500; // the same while we are sending
constexpr qint64 UdpRelaySilentMs = 6000; // nothing at all through the UDP relay: try the TCP one
constexpr qint64 BirthdayDelayMs = 2000; // plain punching gets this long first
constexpr qint64 BirthdayRepeatMs = 60000;
constexpr int BirthdaySockets = 256;
constexpr qint64 BirthdayDurationMs = 10000;
constexpr qint64 BirthdayRoundMs = 1000;
constexpr int SprayProbes = 2048; // with 256 sockets: about 8 expected hits in 64 512 ports
constexpr int SprayPerTick = 128; // 512 probes/s at one tick per 250 ms
constexpr qint64 SprayMinIntervalMs = 10000; // however often a peer asks

int rank(const QString& technique)
{
    if (technique == QLatin1String("public"))
        return 3;
    if (technique == QLatin1String("upnp"))
        return 2;
    if (technique == QLatin1String("tcp-punch") || technique == QLatin1String("ttcp"))
        return 1;
    return technique.isEmpty() ? 0 : 1;
}
} // namespace

RelayTarget tunnelpaths::relayTarget(const TunnelManager::PeerPaths& paths)
{
    RelayTarget relay;
    relay.broker = toSockaddr(paths.relayBroker, paths.relayPort);
    relay.prefix = QByteArray(brokerprotocol::RelayHeaderBytes, '\0');
    relay.prefix[0] = char(brokerprotocol::RelayToBroker);
    qToBigEndian<quint32>(paths.relayTag, relay.prefix.data() + 4);
    return relay;
}

// Where the peer's packets come from on the internet: what a broker observed, or, for a host with
// no NAT (a firewall at most), its own address.
sockaddr_in TunnelManager::publicEndpoint(const Tunnel& tunnel) const
{
    for (const QString& kind : { QStringLiteral("srflx"), QStringLiteral("host") })
        for (const auto& [address, port] : std::as_const(tunnel.paths.candidates))
            if (tunnel.candidateKinds.value(endpointText(toSockaddr(address, port))) == kind)
                return toSockaddr(address, port);
    return {};
}

QString TunnelManager::techniqueOf(const Tunnel& tunnel) const
{
    if (tunnel.path == Path::DirectTcp)
        return tunnel.technique;
    if (tunnel.path != Path::Direct)
        return QStringLiteral("relay");
    // Both sides name what let them through; the pair is described by the more open side.
    return rank(tunnel.peerTechnique) > rank(tunnel.technique) ? tunnel.peerTechnique : tunnel.technique;
}

void TunnelManager::choosePaths()
{
    if (!m_dataPlane)
        return;
    const DataPlaneStats stats = m_dataPlane->stats();
    const qint64 now = nowMs();
    for (auto it = m_tunnels.begin(); it != m_tunnels.end(); ++it) {
        if (!it->added)
            continue;
        for (const PeerStats& peer : stats.peers)
            if (peer.localIndex == it->localIndex)
                choosePath(it.key(), *it, peer, now);
    }
    runBirthday(now);
}

void TunnelManager::choosePath(const QString& name, Tunnel& tunnel, const PeerStats& peer, qint64 now)
{
    if (peer.expired || peer.sendEpoch >= 60) {
        // Near the end of the derived epochs: a new handshake gives new keys (and forward secrecy).
        QMetaObject::invokeMethod(
            this, [this, name] { Q_EMIT tunnelExpired(name); }, Qt::QueuedConnection);
        return;
    }
    const qint64 onPathMs = now - tunnel.pathSinceMs;
    // Only datagrams that came directly judge a direct path: relayed ones arrive either way.
    const qint64 directAgoMs = peer.lastDirectReceivedAgoMs;
    // While we send, the peer answers (TCP acknowledgements, probe replies): silence says more.
    const bool sending = peer.packetsOut != tunnel.lastPacketsOut;
    tunnel.lastPacketsOut = peer.packetsOut;
    if (tunnel.path == Path::DirectTcp) {
        // Probes cross it every 2 s: silence means the connection is dead even if TCP has not noticed.
        if (peer.lastReceivedAgoMs > DirectDeadMs)
            useStream(name, tunnel, QStringLiteral("the TCP path went silent"));
        return;
    }
    if (tunnel.path == Path::Direct) {
        // The peer now reaches us from another address or on another of our sockets (a NAT that rebound,
        // or the socket the other side kept after birthday probing): answer there, where it listens.
        const bool elsewhere = tunnelpaths::endpointText(peer.lastDirectSource) != endpointText(tunnel.directEndpoint)
            || peer.lastDirectSocket != tunnel.directSocket;
        if (peer.lastDirectSource.sin_port != 0 && directAgoMs >= 0 && directAgoMs < 1000 && elsewhere
            && onPathMs > 500) {
            qCInfo(lcDaemon) << name << "now reaches us from" << endpointText(peer.lastDirectSource);
            useDirect(name, tunnel, peer.lastDirectSource, peer.lastDirectSocket);
            return;
        }
        if (directAgoMs >= 0 && directAgoMs < onPathMs)
            tunnel.confirmed = true;
        if (!tunnel.confirmed && onPathMs > DirectTrialMs) {
            if (!useRelay(name, tunnel, QStringLiteral("the direct path never answered")))
                useStream(name, tunnel, QStringLiteral("the direct path never answered"));
        } else if (tunnel.confirmed && (directAgoMs > DirectDeadMs || (sending && directAgoMs > BusyDeadMs))) {
            if (!useRelay(name, tunnel, QStringLiteral("the direct path went silent")))
                useStream(name, tunnel, QStringLiteral("the direct path went silent"));
        }
        return;
    }
    // The peer's session opened a datagram that came straight from it: that path works both ways
    // (we answered it already), so the tunnel moves there.
    if (peer.lastDirectSource.sin_port != 0 && directAgoMs >= 0 && directAgoMs < 1500) {
        useDirect(name, tunnel, peer.lastDirectSource, peer.lastDirectSocket);
        return;
    }
    if (tunnel.path == Path::Relay && onPathMs > UdpRelaySilentMs
        && (peer.lastReceivedAgoMs < 0 || peer.lastReceivedAgoMs > UdpRelaySilentMs)) {
        tunnel.udpRelayFailed = true;
        useStream(name, tunnel, QStringLiteral("nothing came through the UDP relay"));
    }
    if (!udpWorks() || !tunnel.peerUdp)
        return maybeStartTcp(name, tunnel, now);
    if (now >= tunnel.nextPunchMs)
        punch(tunnel, now);

    const bool late = now - tunnel.startedMs >= BirthdayDelayMs;
    const bool weSymmetric = m_local.nat == QLatin1String("symmetric");
    const bool peerSymmetric = tunnel.peerNat == QLatin1String("symmetric");
    const sockaddr_in outside = publicEndpoint(tunnel);
    const QHostAddress srflx = outside.sin_port ? QHostAddress(ntohl(outside.sin_addr.s_addr)) : QHostAddress();
    const quint16 srflxPort = ntohs(outside.sin_port);
    // The symmetric side asks for the spray (tunnel-punch) when its sockets are out.
    if (tunnel.sprayRequested && !weSymmetric && !srflx.isNull() && now >= tunnel.nextSprayMs) {
        tunnel.sprayLeft = SprayProbes;
        tunnel.nextSprayMs = now + SprayMinIntervalMs;
        qCInfo(lcDaemon) << name << "is behind a symmetric NAT: probing" << SprayProbes << "random ports of"
                         << srflx.toString();
    }
    tunnel.sprayRequested = false;
    for (int i = 0; i < SprayPerTick && tunnel.sprayLeft > 0; ++i, --tunnel.sprayLeft)
        m_dataPlane->probe(
            tunnel.localIndex, toSockaddr(srflx, quint16(QRandomGenerator::global()->bounded(1024, 65536))));
    if (late && weSymmetric && !peerSymmetric && srflxPort && now >= tunnel.nextBirthdayMs) {
        tunnel.nextBirthdayMs = now + BirthdayRepeatMs;
        if (!m_birthdayQueue.contains(name) && !(m_birthday && m_birthday->peer == name))
            m_birthdayQueue.append(name);
    }
}

void TunnelManager::punch(Tunnel& tunnel, qint64 now)
{
    tunnel.nextPunchMs = now + (tunnel.punchRounds < FastPunchRounds ? FastPunchMs : SlowPunchMs);
    ++tunnel.punchRounds;
    if (!udpWorks() || !tunnel.peerUdp)
        return;
    for (const auto& [address, port] : std::as_const(tunnel.paths.candidates))
        m_dataPlane->probe(tunnel.localIndex, toSockaddr(address, port));
}

void TunnelManager::useDirect(const QString& name, Tunnel& tunnel, const sockaddr_in& endpoint, int socket)
{
    releaseTcp(tunnel);
    if (tunnel.directSocket >= 0 && tunnel.directSocket != socket)
        m_dataPlane->removeSocket(tunnel.directSocket);
    m_dataPlane->setPath(tunnel.localIndex, endpoint, false, false, socket);
    tunnel.path = Path::Direct;
    tunnel.confirmed = false;
    tunnel.directEndpoint = endpoint;
    tunnel.directSocket = socket;
    tunnel.pathSinceMs = nowMs();
    tunnel.technique.clear();
    nameTechnique(tunnel);
    if (m_birthday && m_birthday->peer == name)
        endBirthday(socket);
    qCInfo(lcDaemon) << "direct path to" << name << "at" << endpointText(endpoint) << "(" << tunnel.technique
                     << (socket >= 0 ? "from a birthday socket)" : ")") << "after"
                     << (tunnel.pathSinceMs - tunnel.startedMs) << "ms";
}

// What let our direct path through, from the kind of the peer's endpoint it uses; the peer hears it.
void TunnelManager::nameTechnique(Tunnel& tunnel)
{
    const QString kind = tunnel.candidateKinds.value(endpointText(tunnel.directEndpoint));
    // A birthday socket means a symmetric NAT on our side was punched, whatever the peer's address.
    const QString technique = tunnel.directSocket >= 0 ? QStringLiteral("udp-punch")
        : kind == QLatin1String("upnp")                ? QStringLiteral("upnp")
        : kind == QLatin1String("host")                ? QStringLiteral("public")
                                                       : QStringLiteral("udp-punch");
    if (technique == tunnel.technique)
        return;
    tunnel.technique = technique;
    if (tunnel.session) {
        QJsonObject record = ipc::makeMessage("tunnel-path");
        record.insert(QStringLiteral("technique"), tunnel.technique);
        tunnel.session->sendRecord(record);
    }
}

bool TunnelManager::useRelay(const QString& name, Tunnel& tunnel, const QString& why)
{
    if (!tunnel.paths.relayTag || !udpWorks() || !tunnel.peerUdp || tunnel.udpRelayFailed)
        return false;
    // The direct address is kept for later; traffic goes to the relay target.
    const sockaddr_in keep = tunnel.path == Path::Direct ? tunnel.directEndpoint
                                                         : toSockaddr(tunnel.paths.relayBroker, tunnel.paths.relayPort);
    if (!m_dataPlane->setPath(tunnel.localIndex, keep, true, false))
        return false;
    enterRelay(tunnel, Path::Relay);
    qCInfo(lcDaemon) << "tunnel to" << name << "relayed by" << tunnel.paths.relayBroker.toString() << "(UDP):" << why;
    return true;
}

// The bookkeeping of leaving a direct path (or another relay) for a relay; the data plane's path is set.
void TunnelManager::enterRelay(Tunnel& tunnel, Path relay)
{
    const bool wasDirect = tunnel.path == Path::Direct;
    releaseTcp(tunnel);
    if (tunnel.directSocket >= 0)
        m_dataPlane->removeSocket(tunnel.directSocket);
    tunnel.directSocket = -1;
    tunnel.path = relay;
    tunnel.confirmed = false;
    tunnel.pathSinceMs = nowMs();
    if (wasDirect && tunnel.session) {
        QJsonObject record = ipc::makeMessage("tunnel-path");
        record.insert(QStringLiteral("technique"), QString()); // the peer stops naming a direct technique
        tunnel.session->sendRecord(record);
    }
}

void TunnelManager::useStream(const QString& name, Tunnel& tunnel, const QString& why)
{
    m_dataPlane->setPath(tunnel.localIndex, tunnel.directEndpoint, false, true);
    enterRelay(tunnel, Path::Stream);
    qCInfo(lcDaemon) << "tunnel to" << name << "relayed through the peer session (TCP):" << why;
}

void TunnelManager::runBirthday(qint64 now)
{
    if (m_birthday) {
        const auto it = m_tunnels.find(m_birthday->peer);
        if (it == m_tunnels.end() || it->path == Path::Direct)
            return endBirthday(it == m_tunnels.end() ? -1 : it->directSocket);
        if (now > m_birthday->untilMs) {
            qCInfo(lcDaemon) << "birthday probing toward" << m_birthday->peer
                             << "found no way through; staying relayed";
            return endBirthday(-1);
        }
        if (now >= m_birthday->nextRoundMs) {
            m_birthday->nextRoundMs = now + BirthdayRoundMs;
            for (const int fd : m_birthday->sockets)
                m_dataPlane->probe(it->localIndex, m_birthday->target, fd);
        }
        return;
    }
    while (!m_birthdayQueue.isEmpty()) {
        const QString name = m_birthdayQueue.takeFirst();
        const auto it = m_tunnels.find(name);
        if (it == m_tunnels.end() || it->path == Path::Direct)
            continue;
        const sockaddr_in target = publicEndpoint(*it);
        if (target.sin_port == 0)
            continue;
        Birthday birthday;
        birthday.peer = name;
        birthday.target = target;
        birthday.untilMs = now + BirthdayDurationMs;
        birthday.nextRoundMs = now;
        const sockaddr_in any = toSockaddr(QHostAddress::AnyIPv4, 0);
        for (int i = 0; i < BirthdaySockets; ++i) {
            const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (fd < 0)
                break;
            if (::bind(fd, reinterpret_cast<const sockaddr*>(&any), sizeof(any)) != 0) {
                ::close(fd);
                break;
            }
            m_dataPlane->addSocket(fd);
            birthday.sockets.push_back(fd);
        }
        qCInfo(lcDaemon) << "behind a symmetric NAT: probing" << name << "at" << endpointText(target) << "from"
                         << birthday.sockets.size() << "sockets";
        // The peer sprays our address meanwhile: a port it probes that one of our sockets mapped
        // gets through both NATs.
        if (it->session) {
            QJsonObject record = ipc::makeMessage("tunnel-punch");
            record.insert(QStringLiteral("spray"), true);
            it->session->sendRecord(record);
        }
        m_birthday = std::move(birthday);
        return;
    }
}

void TunnelManager::endBirthday(int keepSocket)
{
    if (!m_birthday)
        return;
    for (const int fd : m_birthday->sockets)
        if (fd != keepSocket)
            m_dataPlane->removeSocket(fd);
    m_birthday.reset();
}

} // namespace pvc::core
