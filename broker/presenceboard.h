#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QString>

namespace pvc::core::brokerprotocol {
struct Presence;
}

namespace pvc::broker {

class BrokerStore;
class ProjectRegistry;
struct Project;
struct Session;

// Presence fan-out (docs/protocol.md 2.5): a snapshot of every stored member after welcome, and a
// broadcast to the other members and the masters when a member connects, leaves or changes UDP
// endpoint. Revoked members keep being announced: hosts mark them themselves.
class PresenceBoard {
public:
    PresenceBoard(BrokerStore* store, ProjectRegistry* projects);

    void sendSnapshot(Session* session, Project* project);
    void broadcast(const QString& projectId, const QString& name, const Session* except);

private:
    core::brokerprotocol::Presence presenceOf(
        Project* project, const QString& name, const QByteArray& certificatePem, const QDateTime& lastSeen) const;

    BrokerStore* m_store;
    ProjectRegistry* m_projects;
};

} // namespace pvc::broker
