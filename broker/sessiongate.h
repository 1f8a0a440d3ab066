#pragma once

#include <QByteArray>
#include <QJsonObject>

namespace pvc::core::brokerprotocol {
struct Hello;
}

namespace pvc::broker {

class BrokerStore;
class ProjectRegistry;
struct Project;
struct Session;

// The hello (docs/protocol.md 2.2): checks, in the documented order, that the project's CA matches
// its id and that the role is earned: a guest needs nothing, a master signs the challenge with the CA
// key, a member shows a membership certificate that chains to the CA, is not revoked, and signs the
// challenge with its key. The signed text covers this broker's TLS fingerprint, so a hello cannot be
// replayed to another broker.
class SessionGate {
public:
    SessionGate(BrokerStore* store, ProjectRegistry* projects, const QByteArray& tlsFingerprint);

    // Gives the session its role and returns its project; on any refusal (sent, session closing)
    // returns null.
    Project* admit(Session* session, const QJsonObject& message);

private:
    bool admitMaster(Session* session, Project* project, const core::brokerprotocol::Hello& hello);
    bool admitMember(Session* session, Project* project, const core::brokerprotocol::Hello& hello);

    BrokerStore* m_store;
    ProjectRegistry* m_projects;
    QByteArray m_tlsFingerprint;
};

} // namespace pvc::broker
