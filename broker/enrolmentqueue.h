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
    // A master that says hello receives every pending request.
    void sendPending(Session* master);

private:
    BrokerStore* m_store;
    ProjectRegistry* m_projects;
};

} // namespace pvc::broker
