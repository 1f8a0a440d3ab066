#pragma once

#include "common/result.h"

#include <QHash>
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <functional>

class QTimer;

namespace pvc::core {

class ControlApi;
struct DataRef;
class DataSession;
class Enrolment;
class OwnerControl;
class PeerDirectory;

// The data module's wiring in pvcd (docs/data.md): the BitTorrent session runs while the host is a
// member, on its virtual IP; `data-publish`, `data-fetch` and `data-status` reach it through the control
// API, and the status gets a `data` object. A fetch asks the reference's publisher first, found by name
// among the members.
class DataWork : public QObject {
    Q_OBJECT
public:
    struct Modules {
        Enrolment* enrolment;
        PeerDirectory* peers;
        ControlApi* control;
        OwnerControl* owner;
    };

    DataWork(const QString& stateDirectory, const Modules& modules, QObject* parent);
    ~DataWork() override;
    void start();

    using Done = std::function<void(const Result<QString>& hostPath)>;
    // For tasks (GridWork's DataGate): fetches ref unless it is here, and answers with the data's path once
    // it is complete, or with the transfer's error. Many tasks asking for one reference cause one download.
    void fetchForTask(const DataRef& ref, Done done);

private:
    void updateMember();
    void addCommands();
    void applyLimits();
    QList<QHostAddress> otherMembers() const;
    // Starts the fetch of ref from its publisher and other members.
    Result<bool> startFetch(const DataRef& ref);
    // Answers the tasks waiting for transfers that completed or failed.
    void answerWaiting();

    Modules m_modules;
    DataSession* m_session;
    QHash<QString, QList<QPair<DataRef, Done>>> m_waiting; // by info-hash
    QTimer* m_waitCheck;
};

} // namespace pvc::core
