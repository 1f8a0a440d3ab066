#pragma once

#include "security/projectbundle.h"

#include <QJsonObject>
#include <QList>
#include <QObject>

class QTimer;

namespace pvc::core {
class BrokerConnection;
} // namespace pvc::core

namespace pvc::master {

using core::BrokerConnection;
class EnrolmentAuthority;
class MasterStore;

// `pvc-admin serve`: the online master. It keeps a session to every broker, answers enrolment
// requests, publishes the signed revocation list whenever it changes, and records when hosts were
// last seen.
class MasterService : public QObject {
    Q_OBJECT
public:
    MasterService(MasterStore* store, EnrolmentAuthority* authority, const core::ProjectBundle& bundle,
        const QByteArray& caPrivatePem, QObject* parent);
    void start();
    // Sends a message to every broker, or only to `only`.
    void sendToBrokers(const QJsonObject& message, BrokerConnection* only = nullptr);

Q_SIGNALS:
    // A broker accepted the master's hello: what it should hold can be sent to it.
    void brokerWelcomed(BrokerConnection* broker);

private:
    void handleMessage(BrokerConnection* broker, const QJsonObject& message);
    void answerChallenge(BrokerConnection* broker, const QJsonObject& message);
    void publishRevocations(BrokerConnection* only);
    void publishPolicy(BrokerConnection* only);
    void checkForChanges();

    MasterStore* m_store;
    EnrolmentAuthority* m_authority;
    core::ProjectBundle m_bundle;
    QByteArray m_caPrivatePem;
    QList<BrokerConnection*> m_brokers;
    QTimer* m_pollTimer;
    qint64 m_publishedVersion = -1;
    qint64 m_publishedPolicyVersion = -1;
};

} // namespace pvc::master
