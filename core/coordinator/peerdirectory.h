#pragma once

#include "coordinator/tunnelmanager.h"
#include "security/certificates.h"
#include "security/projectbundle.h"
#include "security/revocationlist.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QSet>
#include <functional>
#include <map>

class QTimer;

namespace pvc::core {

class BrokerConnection;
class PeerSession;

// The members this host knows of, as announced by brokers, and the authenticated session to each.
// Every certificate a broker announces is verified against the project CA and the revocation list
// before it is believed, so a broker cannot slip in a member.
class PeerDirectory : public QObject {
    Q_OBJECT
public:
    PeerDirectory(const ProjectBundle& bundle, QObject* parent);
    ~PeerDirectory() override;

    void setIdentity(const QString& name, const QByteArray& certificatePem, const QByteArray& privatePem);
    void clearIdentity();
    void setRevocations(const RevocationList& list);

    void handlePresence(BrokerConnection* broker, const QJsonObject& message);
    void handleRelayOpen(BrokerConnection* broker, const QJsonObject& message);
    void handleRelayData(BrokerConnection* broker, const QJsonObject& message);
    void handleRelayClose(BrokerConnection* broker, const QJsonObject& message);
    void handleBrokerLost(BrokerConnection* broker);
    // Ends the session with a peer so that a fresh one (new TLS handshake, new tunnel keys) forms.
    void renewSession(const QString& name);

    QJsonArray toJson() const;
    // The virtual IP of a member we believe in (verified, not revoked), for the virtual DNS.
    std::optional<quint32> addressOf(const QString& name) const;
    // Where a peer's tunnel may go: the UDP endpoints brokers observed, and a broker that relays.
    TunnelManager::PeerPaths pathsFor(const QString& name) const;
    // Our own relay tag at each broker (from its welcome), so that only brokers that relay for us are used.
    void setOwnRelayTag(BrokerConnection* broker, quint32 tag);
    // Round trip over the authenticated channel; done(ms) with -1 and an error code on failure.
    void ping(const QString& name, std::function<void(double, QString)> done);

Q_SIGNALS:
    void peerAuthenticated(const QString& name, PeerSession* session, quint32 virtualIp, const QStringList& groups);
    void peerRecordReceived(const QString& name, PeerSession* session, const QJsonObject& record);
    void peerSessionEnded(const QString& name);

private:
    struct Peer {
        QString name;
        QByteArray certificatePem;
        certs::CertificateInfo info;
        QString certificateError; // non-empty: refused
        QSet<BrokerConnection*> onlineVia;
        QHash<BrokerConnection*, quint32> relayTags; // the peer's tag at each broker
        QHash<BrokerConnection*, QString> observedUdp; // its public UDP endpoint as each broker saw it
        QDateTime lastSeen;
        PeerSession* session = nullptr;
        QString streamId;
        BrokerConnection* sessionBroker = nullptr;
        QString lastError;
        QDateTime authenticatedAt;
    };

    void maintain();
    void openSession(Peer& peer);
    PeerSession* makeSession(Peer& peer, BrokerConnection* broker, const QString& streamId, bool client);
    void dropSession(Peer& peer, const QString& code, bool tellBroker);
    bool isRevoked(const Peer& peer) const;
    QString statusOf(const Peer& peer) const;

    ProjectBundle m_bundle;
    QString m_name;
    QByteArray m_certificatePem;
    QByteArray m_privatePem;
    RevocationList m_revocations;
    std::map<QString, Peer> m_peers;
    QHash<QString, QString> m_streams; // stream id -> peer name
    QTimer* m_maintenance;
    QHash<BrokerConnection*, quint32> m_ownRelayTags;
};

} // namespace pvc::core
