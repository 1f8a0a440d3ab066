#include "coordinator/tunnelmanager.h"

#include "common/logging.h"
#include "connectivity/brokerprotocol.h"
#include "connectivity/helperclient.h"
#include "coordinator/projectbundle.h"
#include "ipc/frame.h"
#include "security/peersession.h"
#include "tunnel/dataplane.h"
#include "tunnel/policyfilter.h"
#include "virtualization/dnsresponder.h"

#include <QJsonArray>
#include <QNetworkInterface>
#include <QRandomGenerator>
#include <QSocketNotifier>
#include <QTimer>
#include <QtEndian>
#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace pvc::core {

namespace {
constexpr int PathTimerMs = 500;
constexpr qint64 DirectTrialMs = 2500; // a direct candidate that answers nothing in this time is given up
constexpr qint64 DirectSilenceMs = 25000; // keepalives go every 10 s: this much silence means the path died
constexpr int SocketBufferBytes = 4 * 1024 * 1024;

sockaddr_in toSockaddr(const QHostAddress& address, quint16 port)
{
    sockaddr_in out {};
    out.sin_family = AF_INET;
    out.sin_port = htons(port);
    out.sin_addr.s_addr = htonl(address.toIPv4Address());
    return out;
}

QString endpointText(const sockaddr_in& address)
{
    return QHostAddress(ntohl(address.sin_addr.s_addr)).toString() + QLatin1Char(':')
        + QString::number(ntohs(address.sin_port));
}

bool setNonBlocking(int fd)
{
    const int flags = fcntl(fd, F_GETFL);
    return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}
} // namespace

TunnelManager::TunnelManager(const Options& options, QObject* parent)
    : QObject(parent)
    , m_options(options)
    , m_pathTimer(new QTimer(this))
{
    m_pathTimer->setInterval(PathTimerMs);
    connect(m_pathTimer, &QTimer::timeout, this, &TunnelManager::choosePaths);
}

TunnelManager::~TunnelManager()
{
    stop();
}

bool TunnelManager::isRunning() const
{
    return m_dataPlane != nullptr;
}

bool TunnelManager::start(const Identity& identity, QString* error)
{
    stop();
    m_identity = identity;
    if (!m_options.helperSocket.isEmpty()) {
        m_helper = std::make_unique<HelperClient>();
        if (!m_helper->connectTo(m_options.helperSocket, error))
            return false;
        auto tun = m_helper->openTun(m_options.interfaceName, identity.virtualIp, identity.prefix, m_options.mtu);
        if (!tun) {
            *error = tun.error().code + QLatin1String(": ") + tun.error().detail;
            return false;
        }
        m_tunFd = *tun;
        auto dns = m_helper->openDnsSocket(identity.virtualIp);
        if (dns) {
            m_dnsFd = *dns;
        } else {
            qCWarning(lcDaemon) << "no virtual DNS:" << dns.error().code << dns.error().detail;
        }
    } else {
        // No helper: the tunnels still form, but no program can reach them through a device.
        int pair[2];
        if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, pair) != 0) {
            *error = QStringLiteral("tunnel.system: socketpair failed");
            return false;
        }
        m_tunFd = pair[0];
        m_placeholderFd = pair[1];
    }
    setNonBlocking(m_tunFd);

    m_udpFd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const sockaddr_in any = toSockaddr(QHostAddress::AnyIPv4, m_options.udpPort);
    socklen_t length = sizeof(sockaddr_in);
    sockaddr_in bound {};
    if (m_udpFd < 0 || bind(m_udpFd, reinterpret_cast<const sockaddr*>(&any), sizeof(any)) != 0
        || getsockname(m_udpFd, reinterpret_cast<sockaddr*>(&bound), &length) != 0) {
        *error = QStringLiteral("tunnel.system: cannot bind the tunnel UDP port %1").arg(m_options.udpPort);
        stop();
        return false;
    }
    m_udpPort = ntohs(bound.sin_port);
    setsockopt(m_udpFd, SOL_SOCKET, SO_RCVBUF, &SocketBufferBytes, sizeof(SocketBufferBytes));
    setsockopt(m_udpFd, SOL_SOCKET, SO_SNDBUF, &SocketBufferBytes, sizeof(SocketBufferBytes));

    const quint32 address = QHostAddress(identity.virtualIp).toIPv4Address();
    m_filter = std::make_shared<PolicyFilter>(address, Endpoint { identity.name, identity.groups });
    if (m_policy)
        m_filter->setPolicy(m_policy);

    DataPlane::Config config;
    config.tunFd = m_tunFd;
    config.udpFd = m_udpFd;
    config.filter = m_filter;
    config.onForeignDatagram = [this](const QByteArray& datagram, const sockaddr_in& from) {
        const QHostAddress sender(ntohl(from.sin_addr.s_addr));
        const quint16 port = ntohs(from.sin_port);
        // From the data-plane thread to ours; dropped by Qt if we are gone by then.
        QMetaObject::invokeMethod(
            this, [this, datagram, sender, port] { handleForeignDatagram(datagram, sender, port); },
            Qt::QueuedConnection);
    };
    m_dataPlane = std::make_unique<DataPlane>(config);
    Error startError;
    if (!m_dataPlane->start(&startError)) {
        *error = startError.code + QLatin1String(": ") + startError.detail;
        stop();
        return false;
    }

    if (m_dnsFd >= 0) {
        m_dns = std::make_unique<DnsResponder>(identity.domain, [this](const QString& host) -> std::optional<quint32> {
            if (host == m_identity.name)
                return QHostAddress(m_identity.virtualIp).toIPv4Address();
            return m_lookup ? m_lookup(host) : std::nullopt;
        });
        setNonBlocking(m_dnsFd);
        m_dnsNotifier = new QSocketNotifier(m_dnsFd, QSocketNotifier::Read, this);
        connect(m_dnsNotifier, &QSocketNotifier::activated, this, &TunnelManager::handleDnsReadable);
    }
    m_pathTimer->start();
    qCInfo(lcDaemon) << "tunnel up:" << (m_helper ? m_options.interfaceName : QStringLiteral("no device"))
                     << identity.virtualIp << "UDP port" << m_udpPort << (m_dnsFd >= 0 ? "with DNS" : "without DNS");
    return true;
}

void TunnelManager::stop()
{
    m_pathTimer->stop();
    m_dataPlane.reset();
    m_tunnels.clear();
    delete m_dnsNotifier;
    m_dnsNotifier = nullptr;
    m_dns.reset();
    for (int* fd : { &m_tunFd, &m_placeholderFd, &m_dnsFd, &m_udpFd }) {
        if (*fd >= 0)
            ::close(*fd);
        *fd = -1;
    }
    // Closing the helper connection makes the helper drop the device too.
    m_helper.reset();
    m_filter.reset();
    m_udpPort = 0;
}

void TunnelManager::setPolicy(std::shared_ptr<const PolicySet> policy)
{
    m_policy = policy;
    if (m_filter)
        m_filter->setPolicy(std::move(policy));
}

void TunnelManager::setPeerIdentity(quint32 virtualIp, const QString& name, const QStringList& groups)
{
    if (m_filter)
        m_filter->setPeer(virtualIp, Endpoint { name, groups });
}

void TunnelManager::setNameLookup(std::function<std::optional<quint32>(const QString&)> lookup)
{
    m_lookup = std::move(lookup);
}

QStringList TunnelManager::localCandidates() const
{
    QStringList candidates;
    if (!m_udpPort)
        return candidates;
    for (const QHostAddress& address : QNetworkInterface::allAddresses()) {
        if (address.protocol() != QAbstractSocket::IPv4Protocol || address.isLoopback())
            continue;
        if ((address.toIPv4Address() >> 28) == 0xF)
            continue; // our own overlay address is no way to reach us
        candidates << address.toString() + QLatin1Char(':') + QString::number(m_udpPort);
    }
    return candidates;
}

void TunnelManager::sendRaw(const QByteArray& bytes, const QHostAddress& to, quint16 port)
{
    if (m_dataPlane)
        m_dataPlane->sendRaw(bytes, toSockaddr(to, port));
}

void TunnelManager::offer(PeerSession* session, const QString& name, const QStringList& candidates)
{
    if (!m_dataPlane)
        return;
    removePeer(name); // a new TLS session means new keys: the old tunnel goes
    Tunnel tunnel;
    do
        tunnel.localIndex = QRandomGenerator::global()->generate();
    while (tunnel.localIndex == 0 || tunnel.localIndex == 0x2112A442);
    m_tunnels.insert(name, tunnel);
    QJsonObject record = ipc::makeMessage("tunnel");
    record.insert(QStringLiteral("index"), qint64(tunnel.localIndex));
    record.insert(QStringLiteral("candidates"), QJsonArray::fromStringList(candidates));
    session->sendRecord(record);
}

void TunnelManager::accept(
    PeerSession* session, const QString& name, quint32 virtualIp, const QJsonObject& offer, const PeerPaths& paths)
{
    auto it = m_tunnels.find(name);
    if (!m_dataPlane || it == m_tunnels.end() || it->added)
        return;
    Tunnel& tunnel = *it;
    tunnel.remoteIndex = quint32(offer.value(QLatin1String("index")).toInteger());
    tunnel.virtualIp = virtualIp;
    tunnel.paths = paths;
    // The peer's own view of its addresses comes after what the brokers observed.
    for (const QJsonValue& value : offer.value(QLatin1String("candidates")).toArray()) {
        const auto candidate = HostPort::parse(value.toString());
        const QHostAddress address(candidate ? candidate->host : QString());
        if (!address.isNull() && tunnel.paths.candidates.size() < 8
            && !tunnel.paths.candidates.contains({ address, candidate->port }))
            tunnel.paths.candidates.append({ address, candidate->port });
    }

    PeerConfig config;
    config.name = name;
    config.virtualIp = virtualIp;
    config.localIndex = tunnel.localIndex;
    config.remoteIndex = tunnel.remoteIndex;
    config.isClient = session->isTlsClient();
    config.exporter = [session](const QByteArray& label, const QByteArray& context, int length) {
        const auto secret = session->exportKeyingMaterial(label, context, length);
        return secret ? *secret : QByteArray();
    };
    if (tunnel.paths.relayTag) {
        config.relay.broker = toSockaddr(tunnel.paths.relayBroker, tunnel.paths.relayPort);
        config.relay.prefix = QByteArray(brokerprotocol::RelayHeaderBytes, '\0');
        config.relay.prefix[0] = char(brokerprotocol::RelayToBroker);
        qToBigEndian<quint32>(tunnel.paths.relayTag, config.relay.prefix.data() + 4);
    }
    if (!tunnel.paths.candidates.isEmpty()) {
        config.endpoint = toSockaddr(tunnel.paths.candidates.first().first, tunnel.paths.candidates.first().second);
        tunnel.direct = true;
        tunnel.technique = QStringLiteral("public");
    } else {
        config.viaRelay = tunnel.paths.relayTag != 0;
        tunnel.technique = QStringLiteral("relay");
    }
    Error error;
    if (!m_dataPlane->addPeer(config, &error)) {
        qCWarning(lcDaemon) << "no tunnel to" << name << ":" << error.code << error.detail;
        m_tunnels.erase(it);
        return;
    }
    tunnel.added = true;
    tunnel.pathSinceMs = nowMs();
    qCInfo(lcDaemon) << "tunnel to" << name << "index" << tunnel.localIndex << "->" << tunnel.remoteIndex << "trying"
                     << (tunnel.direct ? endpointText(config.endpoint) : QStringLiteral("the relay"));
}

void TunnelManager::updatePaths(const QString& name, const PeerPaths& paths)
{
    auto it = m_tunnels.find(name);
    if (it == m_tunnels.end() || !it->added)
        return;
    if (paths.relayTag != it->paths.relayTag || paths.relayBroker != it->paths.relayBroker) {
        it->paths.relayBroker = paths.relayBroker;
        it->paths.relayPort = paths.relayPort;
        it->paths.relayTag = paths.relayTag;
        RelayTarget relay;
        if (paths.relayTag) {
            relay.broker = toSockaddr(paths.relayBroker, paths.relayPort);
            relay.prefix = QByteArray(brokerprotocol::RelayHeaderBytes, '\0');
            relay.prefix[0] = char(brokerprotocol::RelayToBroker);
            qToBigEndian<quint32>(paths.relayTag, relay.prefix.data() + 4);
        }
        m_dataPlane->setRelay(it->localIndex, relay);
        // A tunnel that had no way to send at all takes the relay as soon as one is known.
        if (!it->direct && paths.relayTag)
            useRelay(*it);
    }
}

void TunnelManager::removePeer(const QString& name)
{
    const auto it = m_tunnels.find(name);
    if (it == m_tunnels.end())
        return;
    if (it->added && m_dataPlane)
        m_dataPlane->removePeer(it->localIndex);
    m_tunnels.erase(it);
}

bool TunnelManager::useRelay(Tunnel& tunnel)
{
    if (!tunnel.paths.relayTag)
        return false;
    // The direct address is kept for later; traffic goes to the relay target.
    const sockaddr_in direct = tunnel.paths.candidates.isEmpty()
        ? toSockaddr(tunnel.paths.relayBroker, tunnel.paths.relayPort)
        : toSockaddr(tunnel.paths.candidates.first().first, tunnel.paths.candidates.first().second);
    m_dataPlane->setEndpoint(tunnel.localIndex, direct, true);
    tunnel.direct = false;
    tunnel.confirmed = false;
    tunnel.technique = QStringLiteral("relay");
    tunnel.pathSinceMs = nowMs();
    return true;
}

// Path choice for reachable hosts (issue 3): each direct candidate gets a short trial (the data
// plane probes a new path at once); if none answers, the broker relays. A relayed tunnel moves to
// direct as soon as the peer reaches us directly.
void TunnelManager::choosePaths()
{
    if (!m_dataPlane)
        return;
    const DataPlaneStats stats = m_dataPlane->stats();
    const qint64 now = nowMs();
    for (auto it = m_tunnels.begin(); it != m_tunnels.end(); ++it) {
        Tunnel& tunnel = *it;
        if (!tunnel.added)
            continue;
        const PeerStats* peer = nullptr;
        for (const PeerStats& candidate : stats.peers)
            if (candidate.localIndex == tunnel.localIndex)
                peer = &candidate;
        if (!peer)
            continue;
        if (peer->expired || peer->sendEpoch >= 60) {
            // Near the end of the derived epochs: a new handshake gives new keys (and forward secrecy).
            QMetaObject::invokeMethod(
                this, [this, name = it.key()] { Q_EMIT tunnelExpired(name); }, Qt::QueuedConnection);
            continue;
        }
        const qint64 onPathMs = now - tunnel.pathSinceMs;
        // Only datagrams that came directly judge the direct path: relayed ones arrive whether or not
        // our direct datagrams reach the peer.
        const qint64 directAgoMs = peer->lastDirectReceivedAgoMs;
        const bool heardSinceSwitch = directAgoMs >= 0 && directAgoMs < onPathMs;
        if (tunnel.direct) {
            if (heardSinceSwitch)
                tunnel.confirmed = true;
            if (!heardSinceSwitch && onPathMs > DirectTrialMs) {
                // Next candidate, or the relay.
                const QString current = endpointText(peer->endpoint);
                qsizetype index = -1;
                for (qsizetype i = 0; i < tunnel.paths.candidates.size(); ++i)
                    if (endpointText(toSockaddr(tunnel.paths.candidates[i].first, tunnel.paths.candidates[i].second))
                        == current)
                        index = i;
                if (index + 1 < tunnel.paths.candidates.size()) {
                    const auto& next = tunnel.paths.candidates[index + 1];
                    m_dataPlane->setEndpoint(tunnel.localIndex, toSockaddr(next.first, next.second), false);
                    tunnel.pathSinceMs = now;
                    tunnel.confirmed = false;
                } else if (useRelay(tunnel)) {
                    qCInfo(lcDaemon) << "no direct path to" << it.key() << "answered: relaying through the broker";
                }
            } else if (heardSinceSwitch && directAgoMs > DirectSilenceMs && useRelay(tunnel)) {
                qCInfo(lcDaemon) << "direct path to" << it.key() << "went silent: relaying through the broker";
            }
        } else if (peer->lastDirectSource.sin_port != 0 && directAgoMs >= 0 && directAgoMs < 2000
            && onPathMs > DirectTrialMs) {
            // The peer reached us directly: answer on that path.
            m_dataPlane->setEndpoint(tunnel.localIndex, peer->lastDirectSource, false);
            tunnel.direct = true;
            tunnel.confirmed = false;
            tunnel.technique = QStringLiteral("public");
            tunnel.pathSinceMs = now;
            qCInfo(lcDaemon) << "direct path to" << it.key() << "at" << endpointText(peer->lastDirectSource);
        }
    }
}

void TunnelManager::handleForeignDatagram(const QByteArray& datagram, const QHostAddress& from, quint16 port)
{
    if (!m_dataPlane || datagram.isEmpty())
        return;
    if (quint8(datagram[0]) == brokerprotocol::RelayFromBroker && datagram.size() > brokerprotocol::RelayHeaderBytes) {
        // Only a broker that relays for one of our tunnels is listened to.
        for (const Tunnel& tunnel : std::as_const(m_tunnels))
            if (tunnel.paths.relayTag && tunnel.paths.relayBroker == from && tunnel.paths.relayPort == port) {
                m_dataPlane->injectDatagram(datagram.mid(brokerprotocol::RelayHeaderBytes));
                return;
            }
        return;
    }
    Q_EMIT stunReceived(datagram, from, port);
}

void TunnelManager::handleDnsReadable()
{
    char buffer[1024];
    for (int i = 0; i < 64; ++i) {
        sockaddr_in from {};
        socklen_t length = sizeof(from);
        const ssize_t size = recvfrom(m_dnsFd, buffer, sizeof(buffer), 0, reinterpret_cast<sockaddr*>(&from), &length);
        if (size < 0)
            return;
        if (const auto answer = m_dns->answer(QByteArray(buffer, qsizetype(size))))
            sendto(m_dnsFd, answer->constData(), size_t(answer->size()), 0, reinterpret_cast<const sockaddr*>(&from),
                length);
    }
}

QJsonObject TunnelManager::statusJson() const
{
    QJsonObject status { { QStringLiteral("running"), m_dataPlane != nullptr } };
    if (!m_dataPlane)
        return status;
    status.insert(QStringLiteral("udp_port"), m_udpPort);
    status.insert(QStringLiteral("interface"), m_helper ? QJsonValue(m_options.interfaceName) : QJsonValue());
    status.insert(QStringLiteral("mtu"), m_options.mtu);
    if (m_dnsFd >= 0)
        status.insert(QStringLiteral("dns"), m_identity.virtualIp + QStringLiteral(":53"));
    if (m_filter)
        status.insert(QStringLiteral("refused_inbound"), qint64(m_filter->refused()));
    return status;
}

QJsonObject TunnelManager::peerJson(const QString& name) const
{
    const auto it = m_tunnels.constFind(name);
    if (!m_dataPlane || it == m_tunnels.cend() || !it->added)
        return {};
    // A direct path counts only once the peer has answered on it; until then it is being probed.
    const QString path = !it->direct ? QStringLiteral("relay")
        : it->confirmed              ? QStringLiteral("direct")
                                     : QStringLiteral("probing");
    QJsonObject out { { QStringLiteral("path"), path }, { QStringLiteral("technique"), it->technique } };
    for (const PeerStats& peer : m_dataPlane->stats().peers) {
        if (peer.localIndex != it->localIndex)
            continue;
        out.insert(QStringLiteral("endpoint"),
            endpointText(peer.viaRelay ? toSockaddr(it->paths.relayBroker, it->paths.relayPort) : peer.endpoint));
        if (peer.rttUs >= 0)
            out.insert(QStringLiteral("tunnel_rtt_ms"), double(peer.rttUs) / 1000.0);
        out.insert(QStringLiteral("packets_in"), qint64(peer.packetsIn));
        out.insert(QStringLiteral("packets_out"), qint64(peer.packetsOut));
        out.insert(QStringLiteral("bytes_in"), qint64(peer.bytesIn));
        out.insert(QStringLiteral("bytes_out"), qint64(peer.bytesOut));
        out.insert(QStringLiteral("last_received_ms"), qint64(peer.lastReceivedAgoMs));
    }
    return out;
}

} // namespace pvc::core
