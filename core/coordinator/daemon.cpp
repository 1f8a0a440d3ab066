#include "coordinator/daemon.h"

#include "common/logging.h"
#include "connectivity/reachability.h"
#include "coordinator/brokerdispatch.h"
#include "coordinator/certificaterenewal.h"
#include "coordinator/controlapi.h"
#include "coordinator/creditbook.h"
#include "coordinator/datawork.h"
#include "coordinator/enrolment.h"
#include "coordinator/gridwork.h"
#include "coordinator/peerdirectory.h"
#include "coordinator/policystore.h"
#include "data/dataref.h"
#include "grid/ownercontrol.h"
#include "ipc/frame.h"
#include "security/peersession.h"

namespace pvc::core {

namespace {
Reachability::Socket tunnelSocket(TunnelManager* tunnels)
{
    return { [tunnels] { return tunnels->isRunning(); },
        [tunnels](const QByteArray& bytes, const QHostAddress& to, quint16 port) { tunnels->sendRaw(bytes, to, port); },
        [tunnels] { return tunnels->localCandidates(); } };
}
} // namespace

Daemon::Daemon(const ProjectBundle& bundle, const QString& stateDirectory, const TunnelManager::Options& tunnelOptions,
    QObject* parent)
    : QObject(parent)
    , m_bundle(bundle)
    , m_hostState(stateDirectory)
    , m_peers(new PeerDirectory(bundle, this))
    , m_tunnels(new TunnelManager(tunnelOptions, this))
    , m_reachability(new Reachability(tunnelOptions.upnp, tunnelSocket(m_tunnels), this))
    , m_enrolment(new Enrolment(bundle, m_hostState, this))
    , m_policies(new PolicyStore(bundle, m_hostState, this))
    , m_owner(new OwnerControl(stateDirectory + QStringLiteral("/preferences.ini"), this))
    , m_grid(new GridWork(stateDirectory, { m_enrolment, m_policies, m_peers, m_owner }, this))
    , m_brokers(new BrokerDispatch(bundle, { m_enrolment, m_reachability, m_peers, m_policies }, this))
    , m_control(new ControlApi(
          bundle, { m_enrolment, m_policies, m_peers, m_tunnels, m_reachability, m_brokers, m_owner, m_grid }, this))
    , m_data(new DataWork(stateDirectory, { m_enrolment, m_peers, m_control, m_owner }, this))
    , m_credits(new CreditBook(bundle, stateDirectory, { m_enrolment, m_brokers, m_control }, this))
    , m_renewal(new CertificateRenewal(m_hostState, { m_enrolment, m_brokers, m_control }, this))
{
    connectPeersToTunnels();
    connectMembership();
    m_grid->setDataFetcher(
        [this](const DataRef& ref, DataWork::Done done) { m_data->fetchForTask(ref, std::move(done)); });
}

Daemon::~Daemon() = default;

void Daemon::connectPeersToTunnels()
{
    connect(m_tunnels, &TunnelManager::stunReceived, m_reachability,
        [this](const QByteArray& datagram) { m_reachability->handleStun(datagram); });
    connect(m_reachability, &Reachability::stunAnswered, this, &Daemon::refreshTunnelPaths);
    connect(m_reachability, &Reachability::mappingChanged, this, &Daemon::updateLocalInfo);
    connect(m_brokers, &BrokerDispatch::pathsChanged, this, &Daemon::refreshTunnelPaths);
    m_tunnels->setNameLookup([this](const QString& host) { return m_peers->addressOf(host); });
    // Each authenticated peer session carries the tunnel offer; its exporter keys the tunnel.
    connect(m_peers, &PeerDirectory::peerAuthenticated, this,
        [this](const QString& name, PeerSession* session, quint32 virtualIp, const QStringList& groups) {
            m_tunnels->setPeerIdentity(virtualIp, name, groups);
            updateLocalInfo();
            m_tunnels->offer(session, name);
        });
    connect(m_peers, &PeerDirectory::peerRecordReceived, this,
        [this](const QString& name, PeerSession* session, const QJsonObject& record) {
            if (ipc::messageType(record) != QLatin1String("tunnel"))
                return m_tunnels->handleRecord(name, record);
            const auto address = m_peers->addressOf(name);
            if (address)
                m_tunnels->accept(session, name, *address, record, m_peers->pathsFor(name));
        });
    connect(m_peers, &PeerDirectory::peerSessionEnded, m_tunnels, &TunnelManager::removePeer);
    connect(m_tunnels, &TunnelManager::tunnelExpired, m_peers, &PeerDirectory::renewSession);
    connect(m_policies, &PolicyStore::policyChanged, m_tunnels, &TunnelManager::setPolicy);
}

void Daemon::connectMembership()
{
    connect(m_enrolment, &Enrolment::becameMember, this, [this](const QByteArray& privateKeyPem) {
        m_peers->setIdentity(m_enrolment->name(), m_enrolment->certificatePem(), privateKeyPem);
        startTunnel();
    });
    // A renewed certificate: new peer sessions present it; those open keep theirs until they are replaced.
    connect(m_enrolment, &Enrolment::certificateRenewed, this, [this](const QByteArray& privateKeyPem) {
        m_peers->setIdentity(m_enrolment->name(), m_enrolment->certificatePem(), privateKeyPem);
    });
    connect(m_enrolment, &Enrolment::membershipEnded, this, [this] {
        m_peers->clearIdentity();
        stopTunnel();
    });
    connect(m_enrolment, &Enrolment::enrolmentRequested, m_brokers, [this] { m_brokers->sendEnrolment(); });
    connect(m_enrolment, &Enrolment::brokerRestartNeeded, m_brokers, &BrokerDispatch::restartAll);
    connect(m_enrolment, &Enrolment::revocationsChanged, m_peers, &PeerDirectory::setRevocations);
}

void Daemon::setWorkerEnabled(bool enabled)
{
    if (!enabled)
        m_grid->disable(QStringLiteral("pvcd runs with --no-worker"));
}

#ifdef PVC_TEST_SWITCHES
void Daemon::setTestSaboteur()
{
    m_grid->setTestSaboteur();
}
#endif

bool Daemon::start(const QString& controlPath, QString* error)
{
    if (!m_hostState.prepare(error))
        return false;
    m_enrolment->loadRevocations();
    // The stored list counts from the start: brokers push the same version again, which changes nothing.
    m_peers->setRevocations(m_enrolment->revocations());
    m_policies->load();
    m_enrolment->loadMembership();
    m_renewal->reschedule();
    m_owner->start();
    m_grid->start();
    m_data->start();
    m_credits->start();
    if (!m_control->listen(controlPath, error))
        return false;
    m_brokers->start();
    m_reachability->start();
    qCInfo(lcDaemon) << "pvcd for project" << m_bundle.name << "state" << m_enrolment->stateName() << "control at"
                     << controlPath;
    return true;
}

void Daemon::startTunnel()
{
    TunnelManager::Identity identity;
    identity.name = m_enrolment->name();
    identity.virtualIp = m_enrolment->virtualIp();
    identity.groups = m_enrolment->groups();
    identity.domain = m_bundle.domain;
    QString error;
    if (!m_tunnels->start(identity, &error)) {
        m_enrolment->setError(QStringLiteral("tunnel.failed"), error);
        qCWarning(lcDaemon) << "no tunnel:" << error;
        return;
    }
    m_tunnels->setPolicy(m_policies->current());
    m_reachability->startMapping(QStringLiteral("pvc ") + identity.name, m_tunnels->udpPort());
}

void Daemon::stopTunnel()
{
    m_reachability->stopMapping();
    m_tunnels->stop();
}

void Daemon::updateLocalInfo()
{
    const Reachability::View view = m_reachability->view();
    TunnelManager::LocalInfo info;
    for (const auto& [endpoint, kind] : view.candidates)
        info.candidates.append({ endpoint, toString(kind) });
    info.nat = toString(view.nat);
    info.udp = view.udp;
    info.tcpAddresses = view.tcpAddresses;
    m_tunnels->setLocalInfo(info);
}

void Daemon::refreshTunnelPaths()
{
    updateLocalInfo();
    for (const QString& name : m_tunnels->tunnelNames())
        m_tunnels->updatePaths(name, m_peers->pathsFor(name));
}

} // namespace pvc::core
