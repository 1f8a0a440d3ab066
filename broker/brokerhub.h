#pragma once

#include "enrolmentqueue.h"
#include "presenceboard.h"
#include "projectregistry.h"
#include "relaystreams.h"
#include "sessiongate.h"
#include "signeddocuments.h"

#include <QHash>
#include <QJsonObject>
#include <functional>
#include <map>
#include <memory>
#include <optional>

namespace pvc::broker {

class BrokerStore;
struct Session;

// The broker's logic without its sockets: the sessions and their roles, and the dispatch of each
// message to the unit that handles it (hello, enrolment queue, signed documents, presence, relay
// streams), by role as docs/protocol.md 2.3 allows. BrokerServer feeds it decoded frames and UDP
// observations; tests feed it directly.
class BrokerHub {
public:
    static constexpr int MaxSessions = 4096;

    BrokerHub(BrokerStore* store, const QByteArray& tlsFingerprint);
    ~BrokerHub();

    // A new connection from `observed` (address:port): sends the challenge. Null when the broker is full.
    Session* openSession(
        const QString& observed, std::function<void(const QJsonObject&)> send, std::function<void()> close);
    void handleMessage(Session* session, const QJsonObject& message);
    // The connection ended: streams are closed, presence is updated, and the session is deleted.
    void closeSession(Session* session);
    int sessionCount() const { return int(m_sessions.size()); }
    // The second STUN port announced in welcome (docs/protocol.md 2.8); 0 = none.
    void setStunAltPort(quint16 port) { m_stunAltPort = port; }

    // The UDP side (brokerudp.cpp). A STUN USERNAME naming a member's session ties the endpoint the
    // request came from to that member, and the change is announced.
    void observeUdpEndpoint(const QString& sessionId, const QString& endpoint);
    struct RelayRoute {
        quint32 fromTag = 0;
        QString toEndpoint;
    };
    // Where a relayed datagram from senderEndpoint to targetTag goes: both ends online members of one
    // project, the sender at the UDP endpoint the broker observed. nullopt = drop.
    std::optional<RelayRoute> relayRoute(const QString& senderEndpoint, quint32 targetTag) const;

private:
    void handleHello(Session* session, const QJsonObject& message);
    void assignRelayTag(Session* session);
    void setUdpEndpoint(Session* session, const QString& endpoint);

    BrokerStore* m_store;
    ProjectRegistry m_projects;
    SessionGate m_gate;
    PresenceBoard m_presence;
    EnrolmentQueue m_enrolments;
    SignedDocuments m_documents;
    RelayStreams m_relays;
    quint16 m_stunAltPort = 0;
    std::map<QString, std::unique_ptr<Session>> m_sessions; // by id
    QHash<quint32, Session*> m_sessionsByRelayTag;
    QHash<QString, Session*> m_sessionsByUdp; // observed "ip:port" -> member
};

} // namespace pvc::broker
