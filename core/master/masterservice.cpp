#include "master/masterservice.h"

#include "common/jsonfields.h"
#include "common/logging.h"
#include "connectivity/brokerconnection.h"
#include "ipc/frame.h"
#include "master/enrolmentauthority.h"
#include "master/masterstore.h"
#include "protocol/brokerprotocol.h"
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
    const QString type = ipc::messageType(message);
    if (type == QLatin1String("challenge")) {
        const QByteArray nonce = QByteArray::fromBase64(str(message, "nonce").toLatin1());
        const auto signature
            = keys::sign(m_caPrivatePem, brokerprotocol::helloSigningText(nonce, broker->tlsFingerprint()));
        if (!signature)
            return broker->restart(signature.error().detail);
        QJsonObject hello = ipc::makeMessage("hello");
        hello.insert(QStringLiteral("role"), QStringLiteral("master"));
        hello.insert(QStringLiteral("project"), m_bundle.projectId);
        hello.insert(QStringLiteral("ca"), QString::fromLatin1(m_bundle.caCertificatePem));
        hello.insert(QStringLiteral("sig"), QString::fromLatin1(signature->toBase64()));
        broker->send(hello);
    } else if (type == QLatin1String("welcome")) {
        qCInfo(lcMaster) << "serving through broker" << broker->address().toString();
        publishRevocations(broker);
        publishPolicy(broker);
    } else if (type == QLatin1String("enrol")) {
        QJsonObject answer = m_authority->decide(message);
        answer.insert(QStringLiteral("v"), ipc::ProtocolVersion);
        answer.insert(QStringLiteral("t"), QStringLiteral("enrol-result"));
        broker->send(answer);
    } else if (type == QLatin1String("presence")) {
        const QDateTime seen = QDateTime::fromString(str(message, "last_seen"), Qt::ISODate);
        if (seen.isValid())
            m_store->setLastSeen(str(message, "name"), seen);
    } else if (type == QLatin1String("error")) {
        qCWarning(lcMaster) << "broker" << broker->address().toString() << "refused:" << str(message, "code")
                            << str(message, "detail");
    }
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
    QJsonObject message = ipc::makeMessage("revocations");
    message.insert(QStringLiteral("list"), *signedList);
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
    QJsonObject message = ipc::makeMessage("policy");
    message.insert(QStringLiteral("policy"), *signedPolicy);
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
