#pragma once

#include "coordinator/datagate.h"

#include <QJsonObject>
#include <QObject>

namespace pvc::core {

class Enrolment;
class ManagerRelay;
class OwnerControl;
class PeerDirectory;
class PolicyStore;
class WorkerSupervisor;

// The grid layer's wiring in pvcd (docs/grid.md): one Work Queue worker per membership, in its
// sandbox, connected to the manager the global policy names through the manager relay, and held to
// the owner's decision. It turns membership, policy and decision changes into the supervisor's
// inputs; the supervisor and the relay do the work.
class GridWork : public QObject {
    Q_OBJECT
public:
    struct Modules {
        Enrolment* enrolment;
        PolicyStore* policies;
        PeerDirectory* peers;
        OwnerControl* owner;
    };

    GridWork(const QString& stateDirectory, const Modules& modules, QObject* parent);
    ~GridWork() override;

    // How tasks get pvc-data: inputs (DataWork's fetch-and-wait); before start().
    void setDataFetcher(DataGate::Fetcher fetcher) { m_dataGate->setFetcher(std::move(fetcher)); }
    // Before start(): no worker will run, and the status says why.
    void disable(const QString& why) { m_unavailable = why; }
#ifdef PVC_TEST_SWITCHES
    // pvcd --test-saboteur: this volunteer's tasks return altered outputs (tests and demo only).
    void setTestSaboteur();
#endif
    void start();
    // The "worker" object of pvcd's status.
    QJsonObject statusJson() const;

private:
    void updateMember();
    void updateAllowance();

    Modules m_modules;
    QString m_socketPath;
    QString m_unavailable; // why no worker can run here (a program is missing), or empty
    ManagerRelay* m_relay;
    DataGate* m_dataGate;
    QString m_dataSocketPath;
    WorkerSupervisor* m_worker;
    int m_lastCores = 0;
};

} // namespace pvc::core
