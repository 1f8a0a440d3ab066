#include "coordinator/tunnelmanager.h"

#include "common/logging.h"
#include "connectivity/helperclient.h"
#include "connectivity/tcppunch.h"
#include "coordinator/tunnelpathsutil.h"
#include "ipc/frame.h"
#include "protocol/brokerprotocol.h"
#include "security/peersession.h"
#include "security/projectbundle.h"
#include "tunnel/dataplane.h"
#include "tunnel/policyfilter.h"
#include "virtualization/dnsresponder.h"

#include <QJsonArray>
#include <QNetworkInterface>
#include <QRandomGenerator>
#include <QSocketNotifier>
#include <QTcpSocket>
#include <QTimer>
#include <QtEndian>
#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace pvc::core {

namespace {
constexpr int PathTimerMs = 250;
constexpr int SocketBufferBytes = 4 * 1024 * 1024;
constexpr int MaxCandidates = 12;
constexpr qsizetype MaxStreamDatagramBytes = 2048; // a sealed datagram carried by the TCP relay
constexpr qint64 MaxStreamBacklogBytes = 512 * 1024;

bool setNonBlocking(int fd)
{
    const int flags = fcntl(fd, F_GETFL);
    return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}
} // namespace

sockaddr_in tunnelpaths::toSockaddr(const QHostAddress& address, quint16 port)
{
    sockaddr_in out {};
    out.sin_family = AF_INET;
    out.sin_port = htons(port);
    out.sin_addr.s_addr = htonl(address.toIPv4Address());
    return out;
}

QString tunnelpaths::endpointText(const sockaddr_in& address)
{
    return QHostAddress(ntohl(address.sin_addr.s_addr)).toString() + QLatin1Char(':')
        + QString::number(ntohs(address.sin_port));
}

qint64 tunnelpaths::nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

using namespace tunnelpaths;

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
    config.onStreamDatagram = [this](quint32 localIndex, const QByteArray& datagram) {
        QMetaObject::invokeMethod(
            this, [this, localIndex, datagram] { handleStreamDatagram(localIndex, datagram); }, Qt::QueuedConnection);
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
    m_birthday.reset(); // its sockets belong to the data plane, which closes them
    m_birthdayQueue.clear();
    m_dataPlane.reset();
    for (Tunnel& tunnel : m_tunnels) {
        releaseTcp(tunnel);
        delete tunnel.tcpPunch;
        delete tunnel.ttcpClient;
    }
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

void TunnelManager::setLocalInfo(const LocalInfo& info)
{
    if (info == m_local)
        return;
    m_local = info;
    for (Tunnel& tunnel : m_tunnels)
        if (tunnel.added)
            sendInfo(tunnel);
}

namespace {
QJsonObject infoRecord(const char* type, const TunnelManager::LocalInfo& info)
{
    QJsonObject record = ipc::makeMessage(type);
    QJsonArray candidates;
    for (const auto& [endpoint, kind] : info.candidates)
        candidates.append(QJsonObject { { QStringLiteral("endpoint"), endpoint }, { QStringLiteral("kind"), kind } });
    record.insert(QStringLiteral("candidates"), candidates);
    record.insert(QStringLiteral("nat"), info.nat);
    record.insert(QStringLiteral("udp"), info.udp);
    record.insert(QStringLiteral("tcp_addresses"), QJsonArray::fromStringList(info.tcpAddresses));
    return record;
}
} // namespace

void TunnelManager::sendInfo(Tunnel& tunnel)
{
    if (tunnel.session)
        tunnel.session->sendRecord(infoRecord("tunnel-info", m_local));
}

void TunnelManager::offer(PeerSession* session, const QString& name)
{
    if (!m_dataPlane)
        return;
    removePeer(name); // a new TLS session means new keys: the old tunnel goes
    Tunnel tunnel;
    do
        tunnel.localIndex = QRandomGenerator::global()->generate();
    while (tunnel.localIndex == 0 || tunnel.localIndex == 0x2112A442);
    tunnel.session = session;
    m_tunnels.insert(name, tunnel);
    QJsonObject record = infoRecord("tunnel", m_local);
    record.insert(QStringLiteral("index"), qint64(tunnel.localIndex));
    session->sendRecord(record);
}

void TunnelManager::addCandidate(Tunnel& tunnel, const QHostAddress& address, quint16 port, const QString& kind)
{
    if (address.isNull() || address.protocol() != QAbstractSocket::IPv4Protocol || port == 0)
        return;
    const QString key = endpointText(toSockaddr(address, port));
    const auto known = tunnel.candidateKinds.find(key);
    if (known != tunnel.candidateKinds.end()) {
        // One endpoint may be several things: a mapping the router was asked for says the most.
        if (kind == QLatin1String("upnp") || (kind == QLatin1String("host") && *known == QLatin1String("srflx")))
            *known = kind;
        return;
    }
    if (tunnel.paths.candidates.size() >= MaxCandidates)
        return;
    tunnel.paths.candidates.append({ address, port });
    tunnel.candidateKinds.insert(key, kind);
}

namespace {
void readInfo(const QJsonObject& record, QList<std::tuple<QHostAddress, quint16, QString>>* candidates, QString* nat,
    bool* udp, QStringList* tcpAddresses)
{
    tcpAddresses->clear();
    for (const QJsonValue& value : record.value(QLatin1String("tcp_addresses")).toArray()) {
        const QHostAddress address(value.toString());
        if (address.protocol() == QAbstractSocket::IPv4Protocol && tcpAddresses->size() < MaxCandidates)
            tcpAddresses->append(address.toString());
    }
    for (const QJsonValue& value : record.value(QLatin1String("candidates")).toArray()) {
        const QJsonObject candidate = value.toObject();
        const auto endpoint = HostPort::parse(candidate.value(QLatin1String("endpoint")).toString());
        const QString kind = candidate.value(QLatin1String("kind")).toString();
        if (!endpoint
            || !(kind == QLatin1String("host") || kind == QLatin1String("srflx") || kind == QLatin1String("upnp")))
            continue;
        candidates->append({ QHostAddress(endpoint->host), endpoint->port, kind });
        if (candidates->size() >= MaxCandidates)
            break;
    }
    const QString announced = record.value(QLatin1String("nat")).toString();
    static const QStringList known { QStringLiteral("none"), QStringLiteral("endpoint-independent"),
        QStringLiteral("symmetric"), QStringLiteral("unknown") };
    *nat = known.contains(announced) ? announced : QStringLiteral("unknown");
    *udp = record.value(QLatin1String("udp")).toBool(true);
}
} // namespace

void TunnelManager::accept(
    PeerSession* session, const QString& name, quint32 virtualIp, const QJsonObject& offer, const PeerPaths& paths)
{
    auto it = m_tunnels.find(name);
    if (!m_dataPlane || it == m_tunnels.end() || it->added)
        return;
    Tunnel& tunnel = *it;
    tunnel.remoteIndex = quint32(offer.value(QLatin1String("index")).toInteger());
    tunnel.virtualIp = virtualIp;
    tunnel.paths.relayBroker = paths.relayBroker;
    tunnel.paths.relayPort = paths.relayPort;
    tunnel.paths.relayTag = paths.relayTag;
    // What the brokers observed first, then the peer's own view of its addresses.
    QList<std::tuple<QHostAddress, quint16, QString>> offered;
    readInfo(offer, &offered, &tunnel.peerNat, &tunnel.peerUdp, &tunnel.peerTcpAddresses);
    for (const auto& [address, port] : paths.candidates)
        addCandidate(tunnel, address, port, QStringLiteral("srflx"));
    for (const auto& [address, port, kind] : offered)
        addCandidate(tunnel, address, port, kind);

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
    if (tunnel.paths.relayTag)
        config.relay = relayTarget(tunnel.paths);
    Error error;
    if (!m_dataPlane->addPeer(config, &error)) {
        qCWarning(lcDaemon) << "no tunnel to" << name << ":" << error.code << error.detail;
        m_tunnels.erase(it);
        return;
    }
    tunnel.added = true;
    tunnel.startedMs = nowMs();
    // The first packets go through a relay at once; punching runs meanwhile (choosePaths).
    if (!udpWorks() || !tunnel.peerUdp || !useRelay(name, tunnel, QStringLiteral("while punching")))
        useStream(name, tunnel,
            udpWorks() && tunnel.peerUdp ? QStringLiteral("no UDP relay yet") : QStringLiteral("UDP is blocked"));
    punch(tunnel, tunnel.startedMs);
    qCInfo(lcDaemon) << "tunnel to" << name << "index" << tunnel.localIndex << "->" << tunnel.remoteIndex << "peer NAT"
                     << tunnel.peerNat << "candidates" << tunnel.candidateKinds;
}

void TunnelManager::handleRecord(const QString& name, const QJsonObject& record)
{
    auto it = m_tunnels.find(name);
    if (it == m_tunnels.end() || !it->added)
        return;
    Tunnel& tunnel = *it;
    const QString type = ipc::messageType(record);
    if (type == QLatin1String("tunnel-packet")) {
        const QByteArray datagram = QByteArray::fromBase64(record.value(QLatin1String("d")).toString().toLatin1());
        if (!datagram.isEmpty() && datagram.size() <= MaxStreamDatagramBytes)
            m_dataPlane->injectDatagram(datagram, tunnel.localIndex);
    } else if (type == QLatin1String("tunnel-info")) {
        QList<std::tuple<QHostAddress, quint16, QString>> offered;
        readInfo(record, &offered, &tunnel.peerNat, &tunnel.peerUdp, &tunnel.peerTcpAddresses);
        for (const auto& [address, port, kind] : offered)
            addCandidate(tunnel, address, port, kind);
        if (tunnel.path == Path::Direct)
            nameTechnique(tunnel); // the endpoint in use may have turned out to be a UPnP mapping
        // New ways to reach the peer: punch again soon.
        tunnel.punchRounds = 0;
        tunnel.nextPunchMs = 0;
    } else if (type == QLatin1String("tunnel-tcp")) {
        handleTcpRecord(name, tunnel, record);
    } else if (type == QLatin1String("tunnel-ttcp")) {
        handleTtcpRecord(name, tunnel, record);
    } else if (type == QLatin1String("tunnel-punch")) {
        tunnel.sprayRequested = record.value(QLatin1String("spray")).toBool();
    } else if (type == QLatin1String("tunnel-path")) {
        static const QStringList techniques { QStringLiteral("public"), QStringLiteral("upnp"),
            QStringLiteral("udp-punch") };
        const QString technique = record.value(QLatin1String("technique")).toString();
        tunnel.peerTechnique = techniques.contains(technique) ? technique : QString();
    }
}

void TunnelManager::handleStreamDatagram(quint32 localIndex, const QByteArray& datagram)
{
    for (Tunnel& tunnel : m_tunnels) {
        if (tunnel.localIndex != localIndex)
            continue;
        if (tunnel.path == Path::DirectTcp && sendTcp(tunnel, datagram))
            return;
        if (!tunnel.session)
            return;
        // Like a full router queue: the inner TCP sees the loss and slows down.
        if (tunnel.session->transportBacklog() > MaxStreamBacklogBytes)
            return;
        QJsonObject record = ipc::makeMessage("tunnel-packet");
        record.insert(QStringLiteral("d"), QString::fromLatin1(datagram.toBase64()));
        tunnel.session->sendRecord(record);
        return;
    }
}

void TunnelManager::updatePaths(const QString& name, const PeerPaths& paths)
{
    auto it = m_tunnels.find(name);
    if (it == m_tunnels.end() || !it->added)
        return;
    for (const auto& [address, port] : paths.candidates)
        addCandidate(*it, address, port, QStringLiteral("srflx"));
    if (paths.relayTag != it->paths.relayTag || paths.relayBroker != it->paths.relayBroker) {
        it->paths.relayBroker = paths.relayBroker;
        it->paths.relayPort = paths.relayPort;
        it->paths.relayTag = paths.relayTag;
        m_dataPlane->setRelay(it->localIndex, paths.relayTag ? relayTarget(it->paths) : RelayTarget {});
        if (it->path == Path::Relay && !paths.relayTag)
            useStream(name, *it, QStringLiteral("the relaying broker is gone"));
        else if (it->path == Path::Stream && paths.relayTag && udpWorks() && it->peerUdp && !it->udpRelayFailed)
            useRelay(name, *it, QStringLiteral("a UDP relay is available"));
    }
}

void TunnelManager::removePeer(const QString& name)
{
    const auto it = m_tunnels.find(name);
    if (it == m_tunnels.end())
        return;
    if (m_birthday && m_birthday->peer == name)
        endBirthday(-1);
    m_birthdayQueue.removeAll(name);
    if (it->added && m_dataPlane)
        m_dataPlane->removePeer(it->localIndex);
    releaseTcp(*it);
    delete it->tcpPunch;
    delete it->ttcpClient;
    m_tunnels.erase(it);
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
    status.insert(QStringLiteral("nat"), m_local.nat);
    status.insert(QStringLiteral("udp_works"), m_local.udp);
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
    // A direct path counts once the peer has answered on it since we moved there.
    const bool direct = it->path == Path::Direct || it->path == Path::DirectTcp;
    const QString path = !direct ? QStringLiteral("relay")
        : it->confirmed          ? QStringLiteral("direct")
                                 : QStringLiteral("probing");
    QJsonObject out { { QStringLiteral("path"), path }, { QStringLiteral("technique"), techniqueOf(*it) },
        { QStringLiteral("peer_nat"), it->peerNat } };
    if (!direct)
        out.insert(QStringLiteral("relay"), it->path == Path::Stream ? QStringLiteral("tcp") : QStringLiteral("udp"));
    for (const PeerStats& peer : m_dataPlane->stats().peers) {
        if (peer.localIndex != it->localIndex)
            continue;
        if (it->path == Path::Stream)
            out.insert(QStringLiteral("endpoint"), QStringLiteral("peer session (TCP through a broker)"));
        else if (it->path == Path::DirectTcp)
            out.insert(QStringLiteral("endpoint"), it->tcpPeer + QStringLiteral(" (TCP)"));
        else
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
