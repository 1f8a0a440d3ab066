#pragma once

#include "brokerstore.h"

#include <QHash>
#include <QHostAddress>
#include <QJsonObject>
#include <QObject>
#include <QSet>
#include <QSslCertificate>
#include <QSslKey>
#include <map>
#include <memory>

class QSslServer;
class QSslSocket;
class QUdpSocket;

namespace pvc::ipc {
class FramedChannel;
}

namespace pvc::broker {

// The rendezvous: authenticates sessions (guest, member or master), queues enrolments for the
// master, stores and serves master-signed certificates and revocations, announces presence, and
// relays opaque streams between members. Nothing it relays can be read or forged by it.
class BrokerServer : public QObject {
    Q_OBJECT
public:
    BrokerServer(BrokerStore* store, const QSslCertificate& certificate, const QSslKey& key, QObject* parent);
    bool listen(const QHostAddress& address, quint16 port, QString* error);

private:
    enum class Role { None, Guest, Member, Master };
    struct Session {
        QString id;
        QSslSocket* socket = nullptr;
        ipc::FramedChannel* channel = nullptr;
        QByteArray nonce;
        Role role = Role::None;
        QString project;
        QString name;
        QString serial;
        QString udpEndpoint;
        quint32 relayTag = 0; // names this member in relayed datagrams (docs/protocol.md, UDP relay)
        QSet<QString> streams;
        QSet<QString> enrolments;
    };
    struct Project {
        QByteArray caPem;
        QByteArray caPublicPem;
        QSet<QString> revoked;
        QHash<QString, Session*> members; // by name
        QSet<Session*> masters;
    };
    struct Stream {
        Session* opener = nullptr;
        Session* acceptor = nullptr;
    };

    void handleNewConnection();
    void handleMessage(Session* session, const QJsonObject& message);
    void handleHello(Session* session, const QJsonObject& message);
    void handleEnrol(Session* session, const QJsonObject& message);
    void handleEnrolResult(Session* session, const QJsonObject& message);
    void handleSignedDocument(Session* session, const QJsonObject& message);
    void sendDocuments(Session* session);
    void handleRelayOpen(Session* session, const QJsonObject& message);
    void handleRelayData(Session* session, const QJsonObject& message);
    void handleRelayClose(Session* session, const QJsonObject& message);
    void handleDatagrams();
    void handleAltStun(); // binding requests on the second STUN port only: no relay, no USERNAME binding
    void relayDatagram(const QByteArray& datagram, const QString& senderEndpoint);
    void setUdpEndpoint(Session* session, const QString& endpoint);
    void closeSession(Session* session);
    void refuse(Session* session, const char* code, const QString& detail, bool close);

    Project* projectFor(const QString& id, const QByteArray& caPem);
    bool applyRevocations(const QString& projectId, Project* project, const QJsonObject& signedList);
    void sendPresenceSnapshot(Session* session, Project* project);
    void broadcastPresence(const QString& projectId, const QString& name, const Session* except);
    QJsonObject presenceOf(
        Project* project, const QString& name, const QByteArray& certificatePem, const QDateTime& lastSeen) const;
    void closeStream(const QString& streamId, Session* closer, const QString& error);

    BrokerStore* m_store;
    QSslServer* m_server;
    QUdpSocket* m_udp;
    QUdpSocket* m_stunAlt;
    QSslCertificate m_certificate;
    QSslKey m_key;
    QByteArray m_tlsFingerprint;
    std::map<QSslSocket*, std::unique_ptr<Session>> m_sessions;
    QHash<QString, Session*> m_sessionsById;
    QHash<quint32, Session*> m_sessionsByRelayTag;
    QHash<QString, Session*> m_sessionsByUdp; // observed "ip:port" -> member
    quint64 m_relayedDatagrams = 0;
    std::map<QString, std::unique_ptr<Project>> m_projects;
    QHash<QString, Stream> m_streams;
};

} // namespace pvc::broker
