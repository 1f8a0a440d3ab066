#include "brokerhub.h"

#include "brokersession.h"
#include "brokerstore.h"
#include "common/logging.h"
#include "protocol/brokermessages.h"

#include <QRandomGenerator>

namespace pvc::broker {

namespace bp = core::brokerprotocol;
using bp::MessageType;

namespace {
QByteArray randomBytes(int count)
{
    QByteArray bytes(count, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32*>(bytes.data()), count / 4);
    return bytes;
}
} // namespace

BrokerHub::BrokerHub(BrokerStore* store, const QByteArray& tlsFingerprint)
    : m_store(store)
    , m_projects(store)
    , m_gate(store, &m_projects, tlsFingerprint)
    , m_presence(store, &m_projects)
    , m_enrolments(store, &m_projects)
    , m_documents(store, &m_projects)
    , m_relays(&m_projects)
{
}

BrokerHub::~BrokerHub() = default;

Session* BrokerHub::openSession(
    const QString& observed, std::function<void(const QJsonObject&)> send, std::function<void()> close)
{
    if (m_sessions.size() >= MaxSessions)
        return nullptr;
    auto owned = std::make_unique<Session>();
    Session* session = owned.get();
    do
        session->id = QString::fromLatin1(randomBytes(16).toHex());
    while (m_sessions.count(session->id));
    session->nonce = randomBytes(32);
    session->observed = observed;
    session->send = std::move(send);
    session->close = std::move(close);
    m_sessions.emplace(session->id, std::move(owned));
    session->send(bp::Challenge { session->nonce, session->id }.toJson());
    return session;
}

void BrokerHub::closeSession(Session* session)
{
    const auto it = m_sessions.find(session->id);
    if (it == m_sessions.end() || it->second.get() != session)
        return;
    std::unique_ptr<Session> owned = std::move(it->second);
    m_sessions.erase(it);
    if (session->relayTag)
        m_sessionsByRelayTag.remove(session->relayTag);
    if (m_sessionsByUdp.value(session->udpEndpoint) == session)
        m_sessionsByUdp.remove(session->udpEndpoint);
    m_relays.closeAllOf(session);

    if (Project* project = m_projects.find(session->project)) {
        project->masters.remove(session);
        project->guests.remove(session);
        if (session->role == BrokerRole::Member && project->members.value(session->name) == session) {
            project->members.remove(session->name);
            m_store->touchMember(session->project, session->name, QDateTime::currentDateTimeUtc());
            m_presence.broadcast(session->project, session->name, nullptr);
            qCInfo(lcBroker) << "member" << session->name << "left";
        }
    }
}

void BrokerHub::handleMessage(Session* session, const QJsonObject& message)
{
    const std::optional<MessageType> type = bp::messageType(message);
    if (type == MessageType::Hello)
        return handleHello(session, message);
    if (session->role == BrokerRole::None)
        return refuse(session, "hello.required", QStringLiteral("say hello first"), true);
    if (type == MessageType::Enrol && session->role == BrokerRole::Guest)
        return m_enrolments.handleEnrol(session, message);
    if (type == MessageType::EnrolResult && session->role == BrokerRole::Master)
        return m_enrolments.handleResult(session, message);
    if (type == MessageType::Renew && (session->role == BrokerRole::Guest || session->role == BrokerRole::Member))
        return m_enrolments.handleRenew(session, message);
    if (type == MessageType::RenewResult && session->role == BrokerRole::Master) {
        if (Session* renewed = m_enrolments.handleRenewResult(session, message))
            m_presence.broadcast(renewed->project, renewed->name, renewed);
        return;
    }
    if ((type == MessageType::Revocations || type == MessageType::Policy) && session->role == BrokerRole::Master)
        return m_documents.handle(session, message);
    if (type == MessageType::Credits && session->role == BrokerRole::Master)
        return m_documents.handleCredits(session, message);
    if (session->role == BrokerRole::Member) {
        if (type == MessageType::RelayOpen)
            return m_relays.handleOpen(session, message);
        if (type == MessageType::RelayData)
            return m_relays.handleData(session, message);
        if (type == MessageType::RelayClose)
            return m_relays.handleClose(session, message);
    }
    const QString name = message.value(QLatin1String("t")).toString();
    refuse(session, "broker.unexpected", QStringLiteral("'%1' is not allowed here").arg(name), false);
}

void BrokerHub::handleHello(Session* session, const QJsonObject& message)
{
    if (session->role != BrokerRole::None)
        return refuse(session, "hello.repeated", QStringLiteral("already said hello"), true);
    Project* project = m_gate.admit(session, message);
    if (!project)
        return;
    if (session->role == BrokerRole::Member)
        assignRelayTag(session);
    session->send(bp::Welcome { session->id, session->observed, session->relayTag, m_stunAltPort }.toJson());

    if (session->role == BrokerRole::Guest)
        return;
    m_documents.sendStored(session);
    m_presence.sendSnapshot(session, project);
    if (session->role == BrokerRole::Member)
        m_presence.broadcast(session->project, session->name, session);
    else
        m_enrolments.sendPending(session);
}

void BrokerHub::assignRelayTag(Session* session)
{
    do
        session->relayTag = QRandomGenerator::global()->generate();
    while (session->relayTag == 0 || m_sessionsByRelayTag.contains(session->relayTag));
    m_sessionsByRelayTag.insert(session->relayTag, session);
}

void BrokerHub::observeUdpEndpoint(const QString& sessionId, const QString& endpoint)
{
    const auto it = m_sessions.find(sessionId);
    if (it == m_sessions.end())
        return;
    Session* session = it->second.get();
    if (session->role != BrokerRole::Member || endpoint == session->udpEndpoint)
        return;
    setUdpEndpoint(session, endpoint);
    m_presence.broadcast(session->project, session->name, session);
}

void BrokerHub::setUdpEndpoint(Session* session, const QString& endpoint)
{
    if (m_sessionsByUdp.value(session->udpEndpoint) == session)
        m_sessionsByUdp.remove(session->udpEndpoint);
    session->udpEndpoint = endpoint;
    m_sessionsByUdp.insert(endpoint, session);
}

std::optional<BrokerHub::RelayRoute> BrokerHub::relayRoute(const QString& senderEndpoint, quint32 targetTag) const
{
    const Session* from = m_sessionsByUdp.value(senderEndpoint);
    const Session* to = m_sessionsByRelayTag.value(targetTag);
    if (!from || !to || from == to || from->role != BrokerRole::Member || to->role != BrokerRole::Member
        || from->project != to->project || to->udpEndpoint.isEmpty())
        return std::nullopt;
    return RelayRoute { from->relayTag, to->udpEndpoint };
}

} // namespace pvc::broker
