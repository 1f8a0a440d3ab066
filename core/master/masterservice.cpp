#include "master/masterservice.h"

#include "common/jsonfields.h"
#include "common/logging.h"
#include "connectivity/brokerconnection.h"
#include "ipc/frame.h"
#include "master/enrolmentauthority.h"
#include "master/masterstore.h"
#include "protocol/brokermessages.h"
#include "security/keys.h"
#include "security/policy.h"
#include "security/revocationlist.h"

#include <QTimer>

namespace pvc::master {

using namespace pvc::core;

MasterService::MasterService(MasterStore* store, EnrolmentAuthority* authority, const ProjectBundle& bundle,
    const QByteArray& caPrivatePem, QObject* parent)
    : QObject(parent)
    , m_store(store)
    , m_authority(authority)
    , m_bundle(bundle)
    , m_caPrivatePem(caPrivatePem)
    , m_pollTimer(new QTimer(this))
{
    for (const QString& address : std::as_const(m_bundle.brokers)) {
        auto* broker = new BrokerConnection(*HostPort::parse(address), this);
        broker->setPinnedFingerprint(m_bundle.brokerPins.value(address));
        connect(broker, &BrokerConnection::messageReceived, this,
            [this, broker](const QJsonObject& message) { handleMessage(broker, message); });
        m_brokers << broker;
    }
    // `pvc-admin revoke` writes to the store from another process; pick its change up promptly.
    m_pollTimer->setInterval(1000);
    connect(m_pollTimer, &QTimer::timeout, this, &MasterService::checkForChanges);
}

void MasterService::start()
{
    for (BrokerConnection* broker : std::as_const(m_brokers))
        broker->start();
    m_pollTimer->start();
}

void MasterService::handleMessage(BrokerConnection* broker, const QJsonObject& message)
{
    const std::optional<brokerprotocol::MessageType> type = brokerprotocol::messageType(message);
    if (!type)
        return;
    switch (*type) {
    case brokerprotocol::MessageType::Challenge:
        return answerChallenge(broker, message);
    case brokerprotocol::MessageType::Welcome:
        qCInfo(lcMaster) << "serving through broker" << broker->address().toString();
        publishRevocations(broker);
        publishPolicy(broker);
        Q_EMIT brokerWelcomed(broker);
        return;
    case brokerprotocol::MessageType::Enrol:
        broker->send(m_authority->decide(message));
        return;
    case brokerprotocol::MessageType::Renew:
        if (const auto renew = brokerprotocol::Renew::parse(message))
            broker->send(m_authority->renew(*renew).toJson());
        return;
    case brokerprotocol::MessageType::Presence:
        if (const auto presence = brokerprotocol::Presence::parse(message); presence && presence->lastSeen.isValid())
            m_store->setLastSeen(presence->name, presence->lastSeen);
        return;
    case brokerprotocol::MessageType::Error:
        if (const auto error = brokerprotocol::BrokerError::parse(message))
            qCWarning(lcMaster) << "broker" << broker->address().toString() << "refused:" << error->code
                                << error->detail;
        return;
    default:
        return;
    }
}

// The master's hello (docs/protocol.md 2.2): the broker's nonce and TLS fingerprint, signed with the CA key.
void MasterService::answerChallenge(BrokerConnection* broker, const QJsonObject& message)
{
    const auto challenge = brokerprotocol::Challenge::parse(message);
    if (!challenge)
        return broker->restart(challenge.error().detail);
    const auto signature
        = keys::sign(m_caPrivatePem, brokerprotocol::helloSigningText(challenge->nonce, broker->tlsFingerprint()));
    if (!signature)
        return broker->restart(signature.error().detail);
    brokerprotocol::Hello hello;
    hello.role = BrokerRole::Master;
    hello.project = m_bundle.projectId;
    hello.caPem = m_bundle.caCertificatePem;
    hello.signature = *signature;
    broker->send(hello.toJson());
}

void MasterService::sendToBrokers(const QJsonObject& message, BrokerConnection* only)
{
    for (BrokerConnection* broker : std::as_const(m_brokers))
        if (!only || broker == only)
            broker->send(message);
}

void MasterService::publishRevocations(BrokerConnection* only)
{
    RevocationList list;
    list.project = m_bundle.projectId;
    list.version = m_store->revocationVersion();
    list.issued = QDateTime::currentDateTimeUtc();
    const QList<QString> serials = m_store->revokedSerials();
    list.serials = QSet<QString>(serials.cbegin(), serials.cend());
    const auto signedList = list.sign(m_caPrivatePem);
    if (!signedList) {
        qCWarning(lcMaster) << "cannot sign the revocation list:" << signedList.error().detail;
        return;
    }
    const QJsonObject message
        = brokerprotocol::SignedDocument { brokerprotocol::SignedDocument::Kind::Revocations, *signedList }.toJson();
    for (BrokerConnection* broker : std::as_const(m_brokers))
        if (!only || broker == only)
            broker->send(message);
    if (!only && list.version != m_publishedVersion)
        qCInfo(lcMaster) << "published revocation list version" << list.version;
    m_publishedVersion = list.version;
}

void MasterService::publishPolicy(BrokerConnection* only)
{
    if (m_store->policyVersion() == 0)
        return; // no policy set yet: hosts allow nothing inbound
    const auto policy = Policy::parse(m_store->policy());
    if (!policy) {
        qCWarning(lcMaster) << "the stored policy is unreadable:" << policy.error().detail;
        return;
    }
    SignedPolicy document;
    document.project = m_bundle.projectId;
    document.version = m_store->policyVersion();
    document.issued = QDateTime::currentDateTimeUtc();
    document.policy = *policy;
    const auto signedPolicy = document.sign(m_caPrivatePem);
    if (!signedPolicy) {
        qCWarning(lcMaster) << "cannot sign the policy:" << signedPolicy.error().detail;
        return;
    }
    const QJsonObject message
        = brokerprotocol::SignedDocument { brokerprotocol::SignedDocument::Kind::Policy, *signedPolicy }.toJson();
    for (BrokerConnection* broker : std::as_const(m_brokers))
        if (!only || broker == only)
            broker->send(message);
    if (!only && document.version != m_publishedPolicyVersion)
        qCInfo(lcMaster) << "published policy version" << document.version << "with" << policy->ruleCount() << "rules";
    m_publishedPolicyVersion = document.version;
}

void MasterService::checkForChanges()
{
    if (m_store->revocationVersion() != m_publishedVersion)
        publishRevocations(nullptr);
    if (m_store->policyVersion() > 0 && m_store->policyVersion() != m_publishedPolicyVersion)
        publishPolicy(nullptr);
}

} // namespace pvc::master
