#include "coordinator/tunnelmanager.h"

#include "common/clock.h"
#include "common/logging.h"
#include "connectivity/birthdayprober.h"
#include "coordinator/tunneldevice.h"
#include "coordinator/tunnelpathsutil.h"
#include "ipc/frame.h"
#include "protocol/brokerprotocol.h"
#include "security/peersession.h"
#include "tunnel/dataplane.h"
#include "tunnel/policyfilter.h"

#include <QRandomGenerator>
#include <arpa/inet.h>

namespace pvc::core {

namespace {
constexpr qsizetype MaxStreamDatagramBytes = 2048; // a sealed datagram carried by the TCP relay
} // namespace

using namespace tunnelpaths;

TunnelManager::TunnelManager(const Options& options, QObject* parent)
    : QObject(parent)
    , m_options(options)
{
}

TunnelManager::~TunnelManager()
{
    stop();
}

bool TunnelManager::isRunning() const
{
    return m_dataPlane != nullptr;
}

quint16 TunnelManager::udpPort() const
{
    return m_device ? m_device->udpPort() : 0;
}

bool TunnelManager::start(const Identity& identity, QString* error)
{
    stop();
    m_identity = identity;
    const TunnelDevice::Settings settings { m_options.helperSocket, m_options.interfaceName, m_options.mtu,
        m_options.udpPort, identity.virtualIp, identity.prefix, identity.domain };
    m_device = std::make_unique<TunnelDevice>();
    const bool opened = m_device->open(
        settings,
        [this](const QString& host) {
            if (host == m_identity.name)
                return std::optional<quint32>(QHostAddress(m_identity.virtualIp).toIPv4Address());
            return m_lookup ? m_lookup(host) : std::nullopt;
        },
        error);
    if (!opened || !startDataPlane(identity, error)) {
        if (m_device->tunFd() >= 0) // a refused device leaves the helper connection as it is
            stop();
        return false;
    }
    m_birthday = std::make_unique<BirthdayProber>(*m_dataPlane);
    updateHost();
    m_pathTimer.start(m_dataPlane.get(), m_birthday.get());
    qCInfo(lcDaemon) << "tunnel up:" << (m_device->helper() ? m_options.interfaceName : QStringLiteral("no device"))
                     << identity.virtualIp << "UDP port" << udpPort()
                     << (m_device->hasDns() ? "with DNS" : "without DNS");
    return true;
}

bool TunnelManager::startDataPlane(const Identity& identity, QString* error)
{
    const quint32 address = QHostAddress(identity.virtualIp).toIPv4Address();
    m_filter = std::make_shared<PolicyFilter>(address, Endpoint { identity.name, identity.groups });
    if (m_policy)
        m_filter->setPolicy(m_policy);
    DataPlane::Config config;
    config.tunFd = m_device->tunFd();
    config.udpFd = m_device->udpFd();
    config.filter = m_filter;
    config.onForeignDatagram = [this](const QByteArray& datagram, const sockaddr_in& from) {
        const QHostAddress sender = addressOf(from);
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
        return false;
    }
    return true;
}

void TunnelManager::stop()
{
    m_pathTimer.stop();
    m_birthday.reset(); // its sockets belong to the data plane, which closes them
    m_dataPlane.reset();
    m_tunnels.clear(); // each tunnel's TCP path closes with it
    m_device.reset(); // closing the helper connection makes the helper drop the device too
    m_filter.reset();
    updateHost();
}

void TunnelManager::updateHost()
{
    m_host.dataPlane = m_dataPlane.get();
    m_host.birthday = m_birthday.get();
    m_host.helper = m_device ? m_device->helper() : nullptr;
    m_host.localNat = parseNatKind(m_local.nat).value_or(NatKind::Unknown);
    m_host.localUdp = m_local.udp;
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
    return m_device ? m_device->localCandidates() : QStringList();
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
    updateHost();
    for (const auto& tunnel : std::as_const(m_tunnels))
        if (tunnel->isAdded() && tunnel->session())
            tunnel->session()->sendRecord(m_local.record("tunnel-info"));
}

void TunnelManager::offer(PeerSession* session, const QString& name)
{
    if (!m_dataPlane)
        return;
    removePeer(name); // a new TLS session means new keys: the old tunnel goes
    quint32 localIndex;
    do
        localIndex = QRandomGenerator::global()->generate();
    while (localIndex == 0 || localIndex == 0x2112A442);
    auto tunnel = std::make_shared<PeerTunnel>(name, session, localIndex, m_host);
    connect(tunnel.get(), &PeerTunnel::expired, this, [this, name] {
        // Later: the renewal may remove tunnels while the path timer goes through them.
        QMetaObject::invokeMethod(
            this, [this, name] { Q_EMIT tunnelExpired(name); }, Qt::QueuedConnection);
    });
    m_tunnels.insert(name, tunnel);
    QJsonObject record = m_local.record("tunnel");
    record.insert(QStringLiteral("index"), qint64(localIndex));
    session->sendRecord(record);
}

void TunnelManager::accept(
    PeerSession* session, const QString& name, quint32 virtualIp, const QJsonObject& offer, const PeerPaths& paths)
{
    const auto it = m_tunnels.find(name);
    if (!m_dataPlane || it == m_tunnels.end() || (*it)->isAdded())
        return;
    QString error;
    if (!(*it)->accept(session, virtualIp, offer, paths, &error)) {
        qCWarning(lcDaemon) << "no tunnel to" << name << ":" << error;
        m_tunnels.erase(it);
    }
}

void TunnelManager::handleRecord(const QString& name, const QJsonObject& record)
{
    const auto it = m_tunnels.constFind(name);
    if (it == m_tunnels.cend() || !(*it)->isAdded())
        return;
    const QString type = ipc::messageType(record);
    if (type != QLatin1String("tunnel-packet"))
        return (*it)->handleRecord(type, record);
    const QByteArray datagram = QByteArray::fromBase64(record.value(QLatin1String("d")).toString().toLatin1());
    if (!datagram.isEmpty() && datagram.size() <= MaxStreamDatagramBytes)
        m_dataPlane->injectDatagram(datagram, (*it)->localIndex());
}

void TunnelManager::handleStreamDatagram(quint32 localIndex, const QByteArray& datagram)
{
    for (const auto& tunnel : std::as_const(m_tunnels))
        if (tunnel->localIndex() == localIndex)
            return tunnel->sendStreamDatagram(datagram);
}

void TunnelManager::updatePaths(const QString& name, const PeerPaths& paths)
{
    const auto it = m_tunnels.constFind(name);
    if (it != m_tunnels.cend() && (*it)->isAdded())
        (*it)->updatePaths(paths);
}

void TunnelManager::removePeer(const QString& name)
{
    const auto it = m_tunnels.find(name);
    if (it == m_tunnels.end())
        return;
    if (m_birthday)
        m_birthday->forget(name);
    if ((*it)->isAdded() && m_dataPlane)
        m_dataPlane->removePeer((*it)->localIndex());
    m_tunnels.erase(it); // its TCP path closes with it
}

void TunnelManager::handleForeignDatagram(const QByteArray& datagram, const QHostAddress& from, quint16 port)
{
    if (!m_dataPlane || datagram.isEmpty())
        return;
    if (quint8(datagram[0]) == brokerprotocol::RelayFromBroker && datagram.size() > brokerprotocol::RelayHeaderBytes) {
        // Only a broker that relays for one of our tunnels is listened to.
        for (const auto& tunnel : std::as_const(m_tunnels))
            if (tunnel->relaysThrough(from, port)) {
                m_dataPlane->injectDatagram(datagram.mid(brokerprotocol::RelayHeaderBytes));
                return;
            }
        return;
    }
    Q_EMIT stunReceived(datagram, from, port);
}

QJsonObject TunnelManager::statusJson() const
{
    QJsonObject status { { QStringLiteral("running"), m_dataPlane != nullptr } };
    if (!m_dataPlane)
        return status;
    status.insert(QStringLiteral("udp_port"), udpPort());
    status.insert(QStringLiteral("nat"), m_local.nat);
    status.insert(QStringLiteral("udp_works"), m_local.udp);
    status.insert(QStringLiteral("interface"), m_device->helper() ? QJsonValue(m_options.interfaceName) : QJsonValue());
    status.insert(QStringLiteral("mtu"), m_options.mtu);
    if (m_device->hasDns())
        status.insert(QStringLiteral("dns"), m_identity.virtualIp + QStringLiteral(":53"));
    if (m_filter)
        status.insert(QStringLiteral("refused_inbound"), qint64(m_filter->refused()));
    return status;
}

QJsonObject TunnelManager::peerJson(const QString& name) const
{
    const auto it = m_tunnels.constFind(name);
    if (!m_dataPlane || it == m_tunnels.cend() || !(*it)->isAdded())
        return {};
    const DataPlaneStats stats = m_dataPlane->stats();
    for (const PeerStats& peer : stats.peers)
        if (peer.localIndex == (*it)->localIndex())
            return (*it)->json(&peer);
    return (*it)->json(nullptr);
}

} // namespace pvc::core
