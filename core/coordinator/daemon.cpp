#include "coordinator/daemon.h"

#include "common/jsonfields.h"
#include "common/logging.h"
#include "connectivity/brokerconnection.h"
#include "connectivity/upnpmapper.h"
#include "coordinator/peerdirectory.h"
#include "grid/ownercontrol.h"
#include "ipc/controlpaths.h"
#include "ipc/controlserver.h"
#include "ipc/frame.h"
#include "protocol/brokerprotocol.h"
#include "protocol/stun.h"
#include "security/certificates.h"
#include "security/invitetoken.h"
#include "security/keys.h"
#include "security/peersession.h"

#include <QHostAddress>
#include <QJsonArray>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSet>
#include <QSysInfo>
#include <QTimer>

namespace pvc::core {

namespace {
constexpr int StunIntervalMs = 20000;

} // namespace

Daemon::Daemon(const ProjectBundle& bundle, const QString& stateDirectory, const TunnelManager::Options& tunnelOptions,
    QObject* parent)
    : QObject(parent)
    , m_bundle(bundle)
    , m_hostState(stateDirectory)
    , m_peers(new PeerDirectory(bundle, this))
    , m_tunnels(new TunnelManager(tunnelOptions, this))
    , m_upnpEnabled(tunnelOptions.upnp)
    , m_stunTimer(new QTimer(this))
    , m_joinTimer(new QTimer(this))
    , m_owner(new OwnerControl(stateDirectory + QStringLiteral("/preferences.ini"), this))
{
    m_revocations.project = bundle.projectId;
    m_revocations.version = -1;
    for (const QString& address : std::as_const(m_bundle.brokers)) {
        auto* broker = new BrokerConnection(*HostPort::parse(address), this);
        m_brokers << broker;
        m_brokerStatus.insert(broker, {});
        connect(broker, &BrokerConnection::messageReceived, this,
            [this, broker](const QJsonObject& message) { handleBrokerMessage(broker, message); });
        connect(broker, &BrokerConnection::disconnected, this, [this, broker] {
            const QString lastError = m_brokerStatus[broker].lastError;
            m_brokerStatus[broker] = {};
            m_brokerStatus[broker].lastError = lastError;
            m_peers->handleBrokerLost(broker);
            refreshTunnelPaths();
        });
    }
    connect(
        m_tunnels, &TunnelManager::stunReceived, this, [this](const QByteArray& datagram) { handleStun(datagram); });
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
    m_stunTimer->setInterval(StunIntervalMs);
    connect(m_stunTimer, &QTimer::timeout, this, &Daemon::sendStun);
    m_joinTimer->setSingleShot(true);
    connect(m_joinTimer, &QTimer::timeout, this, [this] {
        if (!m_anyBrokerReached)
            finishJoin(QStringLiteral("enrol.no_broker"), QStringLiteral("no broker of the project could be reached"));
        else if (!m_lastErrorCode.isEmpty())
            finishJoin(m_lastErrorCode, m_lastErrorDetail);
        else
            finishJoin(QStringLiteral("enrol.timeout"),
                QStringLiteral("the master has not answered yet; the request stays queued at the brokers"));
    });
}

Daemon::~Daemon() = default;

bool Daemon::start(const QString& controlPath, QString* error)
{
    if (!m_hostState.prepare(error))
        return false;
    if (const auto stored = m_hostState.revocations()) {
        if (const auto list = RevocationList::verify(*stored, m_bundle.caPublicPem, m_bundle.projectId))
            m_revocations = *list;
    }
    if (const auto stored = m_hostState.globalPolicy()) {
        if (auto policy = SignedPolicy::verify(*stored, m_bundle.caPublicPem, m_bundle.projectId))
            m_globalPolicy = std::move(policy).value();
    }
    if (const auto stored = m_hostState.localPolicy()) {
        if (auto policy = Policy::fromJson(*stored))
            m_localPolicy = std::move(policy).value();
    }
    applyPolicy();
    loadMembership();
    m_owner->start();
    m_control = new ipc::ControlServer(
        [this](const QString& command, const QJsonObject& arguments, std::shared_ptr<ipc::ControlResponder> responder) {
            handleControl(command, arguments, std::move(responder));
        },
        this);
    if (!m_control->listen(controlPath, error))
        return false;
    for (BrokerConnection* broker : std::as_const(m_brokers))
        broker->start();
    m_stunTimer->start();
    qCInfo(lcDaemon) << "pvcd for project" << m_bundle.name << "state" << stateName() << "control at" << controlPath;
    return true;
}

void Daemon::loadMembership()
{
    const QByteArray certificate = m_hostState.membership();
    if (certificate.isEmpty()) {
        m_state = m_hostState.pendingEnrolment() ? State::Enrolling : State::Disconnected;
        if (const auto pending = m_hostState.pendingEnrolment())
            m_name = str(*pending, "name");
        return;
    }
    const auto info = certs::verifyMembership(certificate, m_bundle.caCertificatePem, QDateTime::currentDateTimeUtc());
    const auto key = m_hostState.key();
    if (!info || !key) {
        m_lastErrorCode = info ? key.error().code : info.error().code;
        m_lastErrorDetail = info ? key.error().detail : info.error().detail;
        qCWarning(lcDaemon) << "stored membership is unusable:" << m_lastErrorCode;
        m_state = State::Disconnected;
        return;
    }
    m_certificatePem = certificate;
    m_name = info->commonName;
    m_virtualIp = info->virtualIp;
    m_serial = info->serialHex;
    m_groups = info->groups;
    m_certificateExpiry = info->notAfter;
    m_state = m_revocations.contains(m_serial) ? State::Revoked : State::Member;
    if (m_state == State::Member) {
        m_peers->setIdentity(m_name, m_certificatePem, *key);
        startTunnel();
    }
}

QString Daemon::stateName() const
{
    switch (m_state) {
    case State::Disconnected:
        return QStringLiteral("disconnected");
    case State::Enrolling:
        return QStringLiteral("enrolling");
    case State::Member:
        return QStringLiteral("member");
    case State::Revoked:
        return QStringLiteral("revoked");
    }
    return {};
}

void Daemon::restartBrokers(const QString& reason)
{
    for (BrokerConnection* broker : std::as_const(m_brokers))
        broker->restart(reason);
}

void Daemon::handleBrokerMessage(BrokerConnection* broker, const QJsonObject& message)
{
    const QString type = ipc::messageType(message);
    BrokerStatus& status = m_brokerStatus[broker];
    if (type == QLatin1String("challenge")) {
        handleChallenge(broker, message);
    } else if (type == QLatin1String("welcome")) {
        m_anyBrokerReached = true;
        status.sessionId = str(message, "session");
        status.observedTcp = str(message, "observed");
        status.lastError.clear();
        status.relayTag = quint32(message.value(QLatin1String("relay_tag")).toInteger());
        const qint64 altPort = message.value(QLatin1String("stun_alt_port")).toInteger();
        status.stunAltPort = altPort > 0 && altPort < 65536 ? quint16(altPort) : 0;
        if (status.role == QLatin1String("guest"))
            sendPendingEnrolment(broker);
        else
            sendStun();
    } else if (type == QLatin1String("error")) {
        status.lastError = str(message, "code");
        qCWarning(lcDaemon) << "broker" << broker->address().toString() << "said" << status.lastError
                            << str(message, "detail");
    } else if (type == QLatin1String("enrol-queued")) {
        m_anyBrokerReached = true;
    } else if (type == QLatin1String("enrol-result")) {
        handleEnrolResult(broker, message);
    } else if (type == QLatin1String("revocations")) {
        handleRevocations(message.value(QLatin1String("list")).toObject());
    } else if (type == QLatin1String("policy")) {
        handlePolicy(message.value(QLatin1String("policy")).toObject());
    } else if (type == QLatin1String("presence") && m_state == State::Member) {
        m_peers->handlePresence(broker, message);
        refreshTunnelPaths();
    } else if (type == QLatin1String("relay-open") && m_state == State::Member) {
        m_peers->handleRelayOpen(broker, message);
    } else if (type == QLatin1String("relay-data")) {
        m_peers->handleRelayData(broker, message);
    } else if (type == QLatin1String("relay-close")) {
        m_peers->handleRelayClose(broker, message);
    }
}

void Daemon::handleChallenge(BrokerConnection* broker, const QJsonObject& message)
{
    QJsonObject hello = ipc::makeMessage("hello");
    hello.insert(QStringLiteral("project"), m_bundle.projectId);
    hello.insert(QStringLiteral("ca"), QString::fromLatin1(m_bundle.caCertificatePem));
    BrokerStatus& status = m_brokerStatus[broker];
    const auto key = m_state == State::Member ? m_hostState.key() : Result<QByteArray>(makeError("no.key"));
    if (m_state == State::Member && key) {
        const QByteArray nonce = QByteArray::fromBase64(str(message, "nonce").toLatin1());
        const auto signature = keys::sign(*key, brokerprotocol::helloSigningText(nonce, broker->tlsFingerprint()));
        if (!signature)
            return broker->restart(signature.error().code);
        hello.insert(QStringLiteral("role"), QStringLiteral("member"));
        hello.insert(QStringLiteral("cert"), QString::fromLatin1(m_certificatePem));
        hello.insert(QStringLiteral("sig"), QString::fromLatin1(signature->toBase64()));
        status.role = QStringLiteral("member");
    } else {
        hello.insert(QStringLiteral("role"), QStringLiteral("guest"));
        status.role = QStringLiteral("guest");
    }
    broker->send(hello);
}

// What peers learn of our reachability (TunnelManager::LocalInfo): our addresses, what the brokers
// observed, and the NAT's mapping behaviour judged from two brokers' observations of one socket.
void Daemon::updateLocalInfo()
{
    TunnelManager::LocalInfo info;
    QSet<QString> hosts;
    for (const QString& candidate : m_tunnels->localCandidates()) {
        info.candidates.append({ candidate, QStringLiteral("host") });
        hosts.insert(candidate);
    }
    QStringList observed;
    for (const BrokerStatus& status : std::as_const(m_brokerStatus))
        if (!status.observedUdp.isEmpty())
            observed << status.observedUdp;
    for (const QString& endpoint : std::as_const(observed))
        if (!hosts.contains(endpoint) && !info.candidates.contains({ endpoint, QStringLiteral("srflx") }))
            info.candidates.append({ endpoint, QStringLiteral("srflx") });
    if (const auto mapping = m_upnp ? m_upnp->mapping() : std::nullopt) {
        const QString endpoint
            = mapping->externalAddress.toString() + QLatin1Char(':') + QString::number(mapping->externalPort);
        info.candidates.removeAll({ endpoint, QStringLiteral("srflx") });
        info.candidates.prepend({ endpoint, QStringLiteral("upnp") });
    }
    info.udp = !observed.isEmpty();
    for (const BrokerStatus& status : std::as_const(m_brokerStatus)) {
        const auto endpoint = HostPort::parse(status.observedTcp);
        if (endpoint && !info.tcpAddresses.contains(endpoint->host))
            info.tcpAddresses << endpoint->host;
    }
    // Every observation of the one socket, from each broker's two STUN ports: two destinations or more.
    QStringList views = observed;
    for (const BrokerStatus& status : std::as_const(m_brokerStatus))
        if (!status.observedUdpAlt.isEmpty())
            views << status.observedUdpAlt;
    const qsizetype destinations = views.size();
    views.removeDuplicates();
    if (views.isEmpty())
        info.nat = QStringLiteral("unknown");
    else if (views.size() > 1)
        info.nat = QStringLiteral("symmetric"); // one socket, a different mapping per destination
    else if (hosts.contains(views.first()))
        info.nat = QStringLiteral("none");
    else
        info.nat = destinations > 1 ? QStringLiteral("endpoint-independent") : QStringLiteral("unknown");
    m_tunnels->setLocalInfo(info);
}

void Daemon::refreshTunnelPaths()
{
    updateLocalInfo();
    for (const QString& name : m_tunnels->tunnelNames())
        m_tunnels->updatePaths(name, m_peers->pathsFor(name));
}

void Daemon::startTunnel()
{
    TunnelManager::Identity identity;
    identity.name = m_name;
    identity.virtualIp = m_virtualIp;
    identity.groups = m_groups;
    identity.domain = m_bundle.domain;
    QString error;
    if (!m_tunnels->start(identity, &error)) {
        m_lastErrorCode = QStringLiteral("tunnel.failed");
        m_lastErrorDetail = error;
        qCWarning(lcDaemon) << "no tunnel:" << error;
        return;
    }
    m_tunnels->setPolicy(m_policy);
    if (m_upnpEnabled) {
        if (!m_upnp) {
            m_upnp = new UpnpMapper(QStringLiteral("pvc ") + m_name, this);
            connect(m_upnp, &UpnpMapper::mappingChanged, this, &Daemon::updateLocalInfo);
        }
        m_upnp->start(m_tunnels->udpPort());
    }
}

void Daemon::stopTunnel()
{
    if (m_upnp)
        m_upnp->stop();
    m_tunnels->stop();
}

// STUN (RFC 5389) from the tunnel's own UDP socket, so that brokers observe the very port peers
// must reach. The USERNAME names our broker session, which lets the broker relay for us.
void Daemon::sendStun()
{
    if (!m_tunnels->isRunning())
        return;
    for (BrokerConnection* broker : std::as_const(m_brokers)) {
        BrokerStatus& status = m_brokerStatus[broker];
        const QHostAddress address(broker->address().host);
        if (status.sessionId.isEmpty() || status.role != QLatin1String("member") || address.isNull())
            continue;
        status.stunTransaction = stun::newTransactionId();
        m_tunnels->sendRaw(
            stun::encodeBindingRequest(status.stunTransaction, status.sessionId), address, broker->address().port);
        if (status.stunAltPort) {
            status.stunAltTransaction = stun::newTransactionId();
            m_tunnels->sendRaw(
                stun::encodeBindingRequest(status.stunAltTransaction, QString()), address, status.stunAltPort);
        }
    }
}

void Daemon::handleStun(const QByteArray& datagram)
{
    const auto message = stun::decode(datagram);
    if (!message || message->type != stun::BindingSuccess)
        return;
    for (BrokerConnection* broker : std::as_const(m_brokers)) {
        BrokerStatus& status = m_brokerStatus[broker];
        if (!status.stunAltTransaction.isEmpty() && status.stunAltTransaction == message->transactionId) {
            status.observedUdpAlt
                = message->mappedAddress.toString() + QLatin1Char(':') + QString::number(message->mappedPort);
            continue;
        }
        if (status.stunTransaction.isEmpty() || status.stunTransaction != message->transactionId)
            continue;
        status.observedUdp
            = message->mappedAddress.toString() + QLatin1Char(':') + QString::number(message->mappedPort);
        if (status.relayTag)
            m_peers->setOwnRelayTag(broker, status.relayTag);
    }
    refreshTunnelPaths();
}

void Daemon::join(const QJsonObject& arguments, std::shared_ptr<ipc::ControlResponder> responder)
{
    if (m_state == State::Member)
        return responder->fail(QStringLiteral("join.already_member"),
            QStringLiteral("this machine is already a member as '%1'; run 'pvc leave' first").arg(m_name));
    if (m_state == State::Revoked)
        return responder->fail(QStringLiteral("join.revoked"),
            QStringLiteral("this machine's membership was revoked; run 'pvc leave' before joining again"));
    const auto token = InviteToken::parse(str(arguments, "token"));
    if (!token)
        return responder->fail(token.error().code, token.error().detail);
    const QString name = str(arguments, "name").isEmpty() ? ipc::defaultMachineName() : str(arguments, "name");
    static const QRegularExpression namePattern(QStringLiteral("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"));
    if (!namePattern.match(name).hasMatch())
        return responder->fail(QStringLiteral("enrol.bad_name"),
            QStringLiteral("a machine name is 1-63 lowercase letters, digits and inner dashes"));

    const auto key = m_hostState.ensureKey();
    if (!key)
        return responder->fail(key.error().code, key.error().detail);
    const auto csr = certs::createCsr(*key, name);
    if (!csr)
        return responder->fail(csr.error().code, csr.error().detail);
    QByteArray requestId(16, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32*>(requestId.data()), 4);
    const QJsonObject request { { QStringLiteral("id"), QString::fromLatin1(requestId.toHex()) },
        { QStringLiteral("name"), name }, { QStringLiteral("csr"), QString::fromLatin1(*csr) },
        { QStringLiteral("token_id"), token->id },
        { QStringLiteral("proof"), QString::fromLatin1(token->proofFor(name, *csr).toBase64()) } };
    QString error;
    if (!m_hostState.savePendingEnrolment(request, &error))
        return responder->fail(QStringLiteral("state.write_failed"), error);

    m_state = State::Enrolling;
    m_name = name;
    m_lastErrorCode.clear();
    m_lastErrorDetail.clear();
    m_joinWaiters << responder;
    m_joinTimer->start(qBound(1000, arguments.value(QLatin1String("timeout_ms")).toInt(JoinTimeoutMs), 600000));
    qCInfo(lcDaemon) << "joining as" << name << "with token" << token->id;
    for (BrokerConnection* broker : std::as_const(m_brokers))
        sendPendingEnrolment(broker);
}

void Daemon::sendPendingEnrolment(BrokerConnection* broker)
{
    const BrokerStatus& status = m_brokerStatus[broker];
    if (m_state != State::Enrolling || status.role != QLatin1String("guest") || status.sessionId.isEmpty())
        return;
    if (const auto pending = m_hostState.pendingEnrolment()) {
        QJsonObject enrol = *pending;
        enrol.insert(QStringLiteral("v"), ipc::ProtocolVersion);
        enrol.insert(QStringLiteral("t"), QStringLiteral("enrol"));
        broker->send(enrol);
    }
}

void Daemon::handleEnrolResult(BrokerConnection* broker, const QJsonObject& message)
{
    const auto pending = m_hostState.pendingEnrolment();
    if (m_state != State::Enrolling || !pending || str(message, "id") != str(*pending, "id"))
        return;
    if (!message.value(QLatin1String("ok")).toBool()) {
        m_hostState.clearPendingEnrolment();
        m_state = State::Disconnected;
        m_name.clear();
        return finishJoin(str(message, "error"), str(message, "detail"));
    }
    // The answer came through an untrusted broker: believe it only if the master signed it for our key.
    const QByteArray certificate = str(message, "cert").toLatin1();
    const auto info = certs::verifyMembership(certificate, m_bundle.caCertificatePem, QDateTime::currentDateTimeUtc());
    const auto key = m_hostState.key();
    const auto ours = key ? keys::publicFromPrivate(*key) : Result<QByteArray>(key.error());
    if (!info || !ours || info->publicKeyPem != *ours || info->commonName != m_name) {
        m_lastErrorCode = QStringLiteral("enrol.bad_certificate");
        m_lastErrorDetail
            = QStringLiteral("broker %1 returned a certificate that is not the master's for this host (%2)")
                  .arg(broker->address().toString(), info ? QStringLiteral("wrong key or name") : info.error().code);
        qCWarning(lcDaemon) << m_lastErrorDetail;
        return;
    }
    becomeMember(certificate);
}

void Daemon::becomeMember(const QByteArray& certificatePem)
{
    QString error;
    if (!m_hostState.saveMembership(certificatePem, &error)) {
        m_lastErrorCode = QStringLiteral("state.write_failed");
        m_lastErrorDetail = error;
        return finishJoin(m_lastErrorCode, error);
    }
    m_hostState.clearPendingEnrolment();
    loadMembership();
    qCInfo(lcDaemon) << "member of" << m_bundle.name << "as" << m_name << m_virtualIp;
    finishJoin({}, {});
    restartBrokers(QStringLiteral("now a member"));
}

void Daemon::finishJoin(const QString& code, const QString& detail)
{
    m_joinTimer->stop();
    if (!code.isEmpty()) {
        m_lastErrorCode = code;
        m_lastErrorDetail = detail;
    }
    const auto waiters = std::exchange(m_joinWaiters, {});
    for (const auto& waiter : waiters) {
        if (code.isEmpty())
            waiter->reply(statusJson());
        else
            waiter->fail(code, detail);
    }
}

void Daemon::handleRevocations(const QJsonObject& signedList)
{
    const auto list = RevocationList::verify(signedList, m_bundle.caPublicPem, m_bundle.projectId);
    if (!list) {
        qCWarning(lcDaemon) << "ignoring a revocation list:" << list.error().code;
        return;
    }
    if (list->version <= m_revocations.version)
        return; // an old list, perhaps from a broker that missed an update: never roll back
    m_revocations = *list;
    QString error;
    if (!m_hostState.saveRevocations(signedList, &error))
        qCWarning(lcDaemon) << "cannot keep the revocation list:" << error;
    m_peers->setRevocations(m_revocations);
    if (m_state == State::Member && m_revocations.contains(m_serial)) {
        qCWarning(lcDaemon) << "this host's membership was revoked by the master";
        m_state = State::Revoked;
        m_lastErrorCode = QStringLiteral("member.revoked");
        m_lastErrorDetail = QStringLiteral("the project master revoked this machine's membership");
        m_peers->clearIdentity();
        stopTunnel();
        restartBrokers(QStringLiteral("revoked"));
    }
}

void Daemon::handlePolicy(const QJsonObject& signedPolicy)
{
    auto policy = SignedPolicy::verify(signedPolicy, m_bundle.caPublicPem, m_bundle.projectId);
    if (!policy) {
        qCWarning(lcDaemon) << "ignoring a global policy:" << policy.error().code;
        return;
    }
    if (m_globalPolicy && policy->version <= m_globalPolicy->version)
        return; // never roll back to an older policy
    QString error;
    if (!m_hostState.saveGlobalPolicy(signedPolicy, &error))
        qCWarning(lcDaemon) << "cannot keep the global policy:" << error;
    m_globalPolicy = std::move(policy).value();
    qCInfo(lcDaemon) << "global policy version" << m_globalPolicy->version << "with"
                     << m_globalPolicy->policy.ruleCount() << "rules";
    applyPolicy();
}

void Daemon::applyPolicy()
{
    auto set = std::make_shared<PolicySet>();
    if (m_globalPolicy)
        set->setGlobal(m_globalPolicy->policy);
    if (m_localPolicy)
        set->setLocal(*m_localPolicy);
    m_policy = set;
    m_tunnels->setPolicy(m_policy);
}

void Daemon::leave()
{
    m_peers->clearIdentity();
    stopTunnel();
    m_hostState.forgetMembership();
    m_state = State::Disconnected;
    m_certificatePem.clear();
    m_name.clear();
    m_virtualIp.clear();
    m_serial.clear();
    m_groups.clear();
    if (!m_joinWaiters.isEmpty())
        finishJoin(QStringLiteral("enrol.cancelled"), QStringLiteral("the host left the project"));
    m_lastErrorCode.clear();
    m_lastErrorDetail.clear();
    restartBrokers(QStringLiteral("left the project"));
}

} // namespace pvc::core
