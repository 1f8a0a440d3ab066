#pragma once

#include "coordinator/hoststate.h"
#include "coordinator/tunnelmanager.h"
#include "security/projectbundle.h"

#include <QObject>

namespace pvc::core {

class BrokerDispatch;
class ControlApi;
class CertificateRenewal;
class CreditBook;
class DataWork;
class Enrolment;
class GridWork;
class OwnerControl;
class PeerDirectory;
class PolicyStore;
class Reachability;

// pvcd's coordinator (the paper's coordinator module). The protocol logic lives in the modules it
// owns: membership (Enrolment), the broker sessions (BrokerDispatch), how we look from outside
// (Reachability), policies (PolicyStore), peers (PeerDirectory), the data plane (TunnelManager), the
// grid's worker (GridWork), BitTorrent data (DataWork) and the control API (ControlApi). Daemon only
// wires them, so that each can be read and tested alone.
class Daemon : public QObject {
    Q_OBJECT
public:
    Daemon(const ProjectBundle& bundle, const QString& stateDirectory, const TunnelManager::Options& tunnelOptions,
        QObject* parent);
    ~Daemon() override;
    // Before start(): false runs no Work Queue worker on this host (pvcd --no-worker).
    void setWorkerEnabled(bool enabled);
#ifdef PVC_TEST_SWITCHES
    void setTestSaboteur(); // pvcd --test-saboteur (test builds only)
#endif
    bool start(const QString& controlPath, QString* error);

private:
    void connectPeersToTunnels();
    void connectMembership();
    void startTunnel();
    void stopTunnel();
    // What peers learn of our reachability, in the tunnel's terms.
    void updateLocalInfo();
    // Relay tags and observations change with presence and broker sessions: tunnels learn them at once.
    void refreshTunnelPaths();

    ProjectBundle m_bundle;
    HostState m_hostState;
    PeerDirectory* m_peers;
    TunnelManager* m_tunnels;
    Reachability* m_reachability;
    Enrolment* m_enrolment;
    PolicyStore* m_policies;
    OwnerControl* m_owner;
    GridWork* m_grid;
    BrokerDispatch* m_brokers;
    ControlApi* m_control;
    DataWork* m_data;
    CreditBook* m_credits;
    CertificateRenewal* m_renewal;
};

} // namespace pvc::core
