#include "coordinator/brokerdispatch.h"

#include "common/jsonfields.h"
#include "common/logging.h"
#include "connectivity/brokerconnection.h"
#include "connectivity/reachability.h"
#include "coordinator/enrolment.h"
#include "coordinator/peerdirectory.h"
#include "coordinator/policystore.h"
#include "ipc/frame.h"

namespace pvc::core {

BrokerDispatch::BrokerDispatch(const ProjectBundle& bundle, const Modules& modules, QObject* parent)
    : QObject(parent)
    , m_bundle(bundle)
    , m_modules(modules)
{
    for (const QString& address : std::as_const(m_bundle.brokers)) {
        auto* broker = new BrokerConnection(*HostPort::parse(address), this);
        broker->setPinnedFingerprint(m_bundle.brokerPins.value(address));
        m_brokers << broker;
        m_sessions.insert(broker, {});
        connect(broker, &BrokerConnection::messageReceived, this,
            [this, broker](const QJsonObject& message) { handleMessage(broker, message); });
        connect(broker, &BrokerConnection::disconnected, this, [this, broker] { handleDisconnected(broker); });
        connect(broker, &BrokerConnection::refused, this,
            [this, broker](const QString& code, const QString&) { m_sessions[broker].lastError = code; });
    }
    // Once a broker has observed our UDP endpoint it can relay for us (docs/connectivity.md, "Relay").
    connect(m_modules.reachability, &Reachability::udpObserved, this, [this](BrokerConnection* broker) {
        if (const quint32 tag = m_sessions.value(broker).relayTag)
            m_modules.peers->setOwnRelayTag(broker, tag);
    });
}

BrokerDispatch::~BrokerDispatch() = default;

void BrokerDispatch::start()
{
    for (BrokerConnection* broker : std::as_const(m_brokers))
        broker->start();
}

void BrokerDispatch::restartAll(const QString& reason)
{
    for (BrokerConnection* broker : std::as_const(m_brokers))
        broker->restart(reason);
}

void BrokerDispatch::handleDisconnected(BrokerConnection* broker)
{
    Session& session = m_sessions[broker];
    const QString lastError = session.lastError;
    session = {};
    session.lastError = lastError;
    m_modules.reachability->handleBrokerLost(broker);
    m_modules.peers->handleBrokerLost(broker);
    Q_EMIT pathsChanged();
}

void BrokerDispatch::handleMessage(BrokerConnection* broker, const QJsonObject& message)
{
    const QString type = ipc::messageType(message);
    const bool member = m_modules.enrolment->state() == Enrolment::State::Member;
    if (type == QLatin1String("challenge")) {
        handleChallenge(broker, message);
    } else if (type == QLatin1String("welcome")) {
        handleWelcome(broker, message);
    } else if (type == QLatin1String("error")) {
        m_sessions[broker].lastError = str(message, "code");
        qCWarning(lcDaemon) << "broker" << broker->address().toString() << "said" << m_sessions[broker].lastError
                            << str(message, "detail");
        if (str(message, "code").startsWith(QLatin1String("renew.")))
            Q_EMIT renewalRefused(str(message, "code"), str(message, "detail"));
    } else if (type == QLatin1String("enrol-queued")) {
        m_modules.enrolment->noteBrokerReached();
    } else if (type == QLatin1String("enrol-result")) {
        m_modules.enrolment->handleEnrolResult(broker->address().toString(), message);
    } else if (type == QLatin1String("revocations")) {
        m_modules.enrolment->handleRevocations(message.value(QLatin1String("list")).toObject());
    } else if (type == QLatin1String("renew-result")) {
        Q_EMIT renewResultReceived(message);
    } else if (type == QLatin1String("credits")) {
        Q_EMIT creditsReceived(message);
    } else if (type == QLatin1String("policy")) {
        m_modules.policies->handleGlobal(message.value(QLatin1String("policy")).toObject());
    } else if (type == QLatin1String("presence") && member) {
        m_modules.peers->handlePresence(broker, message);
        Q_EMIT pathsChanged();
    } else if (type == QLatin1String("relay-open") && member) {
        m_modules.peers->handleRelayOpen(broker, message);
    } else if (type == QLatin1String("relay-data")) {
        m_modules.peers->handleRelayData(broker, message);
    } else if (type == QLatin1String("relay-close")) {
        m_modules.peers->handleRelayClose(broker, message);
    }
}

// A member proves its key by signing the broker's nonce bound to the broker's TLS certificate; anyone
// else is a guest, who may only enrol.
void BrokerDispatch::handleChallenge(BrokerConnection* broker, const QJsonObject& message)
{
    QJsonObject hello = ipc::makeMessage("hello");
    hello.insert(QStringLiteral("project"), m_bundle.projectId);
    hello.insert(QStringLiteral("ca"), QString::fromLatin1(m_bundle.caCertificatePem));
    Session& session = m_sessions[broker];
    const QByteArray nonce = QByteArray::fromBase64(str(message, "nonce").toLatin1());
    if (const auto proof = m_modules.enrolment->memberProof(nonce, broker->tlsFingerprint())) {
        if (!*proof)
            return broker->restart(proof->error().code);
        session.role = BrokerRole::Member;
        hello.insert(QStringLiteral("cert"), QString::fromLatin1((*proof)->certificatePem));
        hello.insert(QStringLiteral("sig"), QString::fromLatin1((*proof)->signature.toBase64()));
    } else {
        session.role = BrokerRole::Guest;
    }
    hello.insert(QStringLiteral("role"), toString(session.role));
    broker->send(hello);
}

void BrokerDispatch::handleWelcome(BrokerConnection* broker, const QJsonObject& message)
{
    m_modules.enrolment->noteBrokerReached();
    Session& session = m_sessions[broker];
    session.sessionId = str(message, "session");
    session.lastError.clear();
    session.relayTag = quint32(message.value(QLatin1String("relay_tag")).toInteger());
    const qint64 altPort = message.value(QLatin1String("stun_alt_port")).toInteger();
    m_modules.reachability->handleWelcome(broker, session.sessionId, session.role == BrokerRole::Member,
        str(message, "observed"), altPort > 0 && altPort < 65536 ? quint16(altPort) : 0);
    if (session.role == BrokerRole::Guest)
        sendEnrolment(broker);
    else
        m_modules.reachability->sendStun();
}

void BrokerDispatch::sendEnrolment()
{
    for (BrokerConnection* broker : std::as_const(m_brokers))
        sendEnrolment(broker);
}

void BrokerDispatch::sendEnrolment(BrokerConnection* broker)
{
    const Session& session = m_sessions[broker];
    if (session.role != BrokerRole::Guest || session.sessionId.isEmpty())
        return;
    if (const auto enrol = m_modules.enrolment->pendingEnrolment())
        broker->send(*enrol);
}

int BrokerDispatch::sendRenewal(const QJsonObject& renew)
{
    int sent = 0;
    for (BrokerConnection* broker : std::as_const(m_brokers)) {
        const Session& session = m_sessions[broker];
        if (session.role == BrokerRole::None || session.sessionId.isEmpty() || !broker->isConnected())
            continue;
        broker->send(renew);
        ++sent;
    }
    return sent;
}

QJsonArray BrokerDispatch::statusJson() const
{
    QJsonArray brokers;
    for (BrokerConnection* broker : m_brokers) {
        const Session session = m_sessions.value(broker);
        QJsonObject entry { { QStringLiteral("address"), broker->address().toString() },
            { QStringLiteral("connected"), broker->isConnected() && !session.sessionId.isEmpty() },
            { QStringLiteral("pinned"), broker->isPinned() } };
        if (session.role != BrokerRole::None && broker->isConnected())
            entry.insert(QStringLiteral("role"), toString(session.role));
        m_modules.reachability->describeBroker(broker, entry);
        if (!session.lastError.isEmpty())
            entry.insert(QStringLiteral("error"), session.lastError);
        brokers.append(entry);
    }
    return brokers;
}

} // namespace pvc::core
