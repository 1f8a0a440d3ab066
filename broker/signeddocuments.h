#pragma once

#include <QJsonObject>

namespace pvc::broker {

class BrokerStore;
class ProjectRegistry;
struct Session;

// The master's signed documents (docs/protocol.md 2.6): the revocation list, the global policy and each
// host's credit statement.
// The broker checks the signature so that it stores nothing forged, keeps the newest version, and
// pushes it to every member and other master of the project; members a new list revokes are closed.
// Hosts check the signature again themselves.
class SignedDocuments {
public:
    SignedDocuments(BrokerStore* store, ProjectRegistry* projects);

    void handle(Session* master, const QJsonObject& message);
    // A host's credit statement: checked, the newest kept per host, and pushed to that host only.
    void handleCredits(Session* master, const QJsonObject& message);
    // The stored documents, revocations first, to a member or master that just said hello.
    void sendStored(Session* session);

private:
    BrokerStore* m_store;
    ProjectRegistry* m_projects;
};

} // namespace pvc::broker
