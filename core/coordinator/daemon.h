#pragma once

#include "coordinator/hoststate.h"
#include "coordinator/tunnelmanager.h"
#include "security/policy.h"
#include "security/projectbundle.h"
#include "security/revocationlist.h"

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <memory>

class QTimer;

namespace pvc::ipc {
class ControlResponder;
class ControlServer;
} // namespace pvc::ipc

namespace pvc::core {

class BrokerConnection;
class OwnerControl;
class PeerDirectory;
class UpnpMapper;

// pvcd's coordinator (the paper's coordinator module): the host's membership life cycle
// (disconnected -> enrolling -> member, or revoked), its sessions to every broker, and the control API.
class Daemon : public QObject {
    Q_OBJECT
public:
    enum class State { Disconnected, Enrolling, Member, Revoked };

    Daemon(const ProjectBundle& bundle, const QString& stateDirectory, const TunnelManager::Options& tunnelOptions,
        QObject* parent);
    ~Daemon() override;
    bool start(const QString& controlPath, QString* error);

    static constexpr int JoinTimeoutMs = 30000;

private:
    struct BrokerStatus {
        QString sessionId;
        QString role; // guest or member, once welcomed
        QString observedTcp;
        QString observedUdp;
        QString observedUdpAlt; // the same socket as the broker's second STUN port sees it
        QByteArray stunTransaction;
        QByteArray stunAltTransaction;
        quint16 stunAltPort = 0; // the broker's second STUN port, from its welcome
        quint32 relayTag = 0;
        QString lastError;
    };

    void handleControl(const QString& command, const QJsonObject& arguments, std::shared_ptr<ipc::ControlResponder>);
    void handleBrokerMessage(BrokerConnection* broker, const QJsonObject& message);
    void handleChallenge(BrokerConnection* broker, const QJsonObject& message);
    void handleEnrolResult(BrokerConnection* broker, const QJsonObject& message);
    void handleRevocations(const QJsonObject& signedList);
    void handlePolicy(const QJsonObject& signedPolicy);
    void setLocalPolicy(const QJsonObject& arguments, std::shared_ptr<ipc::ControlResponder> responder);
    void applyPolicy();
    void handleStun(const QByteArray& datagram);
    void sendStun();
    void startTunnel();
    // Relay tags change with presence and broker sessions: tunnels learn the new relay at once.
    void refreshTunnelPaths();
    void updateLocalInfo();
    void stopTunnel();
    QJsonArray peersJson() const;

    void join(const QJsonObject& arguments, std::shared_ptr<ipc::ControlResponder> responder);
    void leave();
    void sendPendingEnrolment(BrokerConnection* broker);
    void finishJoin(const QString& code, const QString& detail);
    void becomeMember(const QByteArray& certificatePem);
    void loadMembership();
    void restartBrokers(const QString& reason);

    QJsonObject statusJson() const;
    QString stateName() const;

    ProjectBundle m_bundle;
    HostState m_hostState;
    State m_state = State::Disconnected;
    QString m_name;
    QByteArray m_certificatePem;
    QString m_virtualIp;
    QString m_serial;
    QStringList m_groups;
    QDateTime m_certificateExpiry;
    RevocationList m_revocations;
    std::optional<SignedPolicy> m_globalPolicy;
    std::optional<Policy> m_localPolicy;
    std::shared_ptr<const PolicySet> m_policy;
    QString m_lastErrorCode;
    QString m_lastErrorDetail;

    QList<BrokerConnection*> m_brokers;
    QHash<BrokerConnection*, BrokerStatus> m_brokerStatus;
    PeerDirectory* m_peers;
    ipc::ControlServer* m_control = nullptr;
    TunnelManager* m_tunnels;
    UpnpMapper* m_upnp = nullptr; // while the tunnel runs, unless --no-upnp
    bool m_upnpEnabled = true;
    QTimer* m_stunTimer;
    QList<std::shared_ptr<ipc::ControlResponder>> m_joinWaiters;
    QTimer* m_joinTimer;
    bool m_anyBrokerReached = false;
    OwnerControl* m_owner;
};

} // namespace pvc::core
