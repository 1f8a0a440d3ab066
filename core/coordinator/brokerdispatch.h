#pragma once

#include "protocol/traversal.h"
#include "security/projectbundle.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QObject>

namespace pvc::core {

class BrokerConnection;
class Enrolment;
class PeerDirectory;
class PolicyStore;
class Reachability;

// The sessions to the project's brokers (docs/protocol.md, "Broker session"): the challenge-response,
// the welcome, and the routing of everything brokers forward to the module it concerns. Brokers are
// untrusted relays, so this class only routes; each module verifies what it receives.
class BrokerDispatch : public QObject {
    Q_OBJECT
public:
    struct Modules {
        Enrolment* enrolment;
        Reachability* reachability;
        PeerDirectory* peers;
        PolicyStore* policies;
    };

    BrokerDispatch(const ProjectBundle& bundle, const Modules& modules, QObject* parent);
    ~BrokerDispatch() override;

    void start();
    void restartAll(const QString& reason);
    // Sends the pending enrolment through every session welcomed as a guest.
    void sendEnrolment();
    // Sends a certificate renewal through every welcomed session, member or guest; how many took it.
    int sendRenewal(const QJsonObject& renew);
    // The "brokers" array of pvcd's status.
    QJsonArray statusJson() const;

Q_SIGNALS:
    // Presence or a broker came or went: the paths to peers may have changed.
    void pathsChanged();
    // A credit statement for this host came ({"host", "statement"}); CreditBook checks it.
    void creditsReceived(const QJsonObject& message);
    // The master's answer to a certificate renewal; CertificateRenewal checks it.
    void renewResultReceived(const QJsonObject& message);
    // A broker could not pass a renewal on (renew.no_master, renew.too_many, ...).
    void renewalRefused(const QString& code, const QString& detail);

private:
    struct Session {
        QString sessionId;
        BrokerRole role = BrokerRole::None; // what our hello said, once challenged
        quint32 relayTag = 0;
        QString lastError;
    };

    void handleMessage(BrokerConnection* broker, const QJsonObject& message);
    void handleChallenge(BrokerConnection* broker, const QJsonObject& message);
    void handleWelcome(BrokerConnection* broker, const QJsonObject& message);
    void handleDisconnected(BrokerConnection* broker);
    void sendEnrolment(BrokerConnection* broker);

    ProjectBundle m_bundle;
    Modules m_modules;
    QList<BrokerConnection*> m_brokers;
    QHash<BrokerConnection*, Session> m_sessions;
};

} // namespace pvc::core
