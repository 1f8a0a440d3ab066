#pragma once

#include <QJsonObject>

namespace pvc::broker {

class BrokerStore;
class ProjectRegistry;
struct Session;

// The enrolment queue (docs/protocol.md 2.4): guests' requests wait in the store until a master of
// the project answers; answers are kept, so a guest that asks again (through a reconnect) gets the
// same answer at once. The broker only checks what it must to store nothing forged.
class EnrolmentQueue {
public:
    static constexpr int MaxPendingPerProject = 1000;
    static constexpr int MaxPerGuest = 4;

    EnrolmentQueue(BrokerStore* store, ProjectRegistry* projects);

    void handleEnrol(Session* guest, const QJsonObject& message);
    void handleResult(Session* master, const QJsonObject& message);
    // Certificate renewals (docs/protocol.md 3.3) are not queued: a renewal goes to the masters online, or
    // is refused (renew.no_master) and the host asks again later. A member may renew only itself.
    void handleRenew(Session* session, const QJsonObject& message);
    // Returns the renewed member's session, if it is online here: its presence must carry the new
    // certificate.
    Session* handleRenewResult(Session* master, const QJsonObject& message);
    // A master that says hello receives every pending request.
    void sendPending(Session* master);

private:
    BrokerStore* m_store;
    ProjectRegistry* m_projects;
};

} // namespace pvc::broker
