#pragma once

#include "brokerhub.h"

#include <QHostAddress>
#include <QObject>
#include <QSslCertificate>
#include <QSslKey>
#include <map>

class QSslServer;
class QSslSocket;
class QUdpSocket;

namespace pvc::broker {

class BrokerStore;
struct Session;

// The rendezvous's transport: TLS connections carrying frames, and the UDP port for STUN and the
// relay of sealed datagrams (brokerudp.cpp). What the messages mean is BrokerHub's job: sessions
// (guest, member or master), the enrolment queue, signed documents, presence and relay streams.
// Nothing it relays can be read or forged by it.
class BrokerServer : public QObject {
    Q_OBJECT
public:
    BrokerServer(BrokerStore* store, const QSslCertificate& certificate, const QSslKey& key, QObject* parent);
    bool listen(const QHostAddress& address, quint16 port, QString* error);

private:
    void handleNewConnection();
    void acceptConnection(QSslSocket* socket);
    void handleDisconnected(QSslSocket* socket);
    void handleDatagrams();
    void handleAltStun(); // binding requests on the second STUN port only: no relay, no USERNAME binding
    void relayDatagram(const QByteArray& datagram, const QString& senderEndpoint);

    BrokerHub m_hub;
    QSslServer* m_server;
    QUdpSocket* m_udp;
    QUdpSocket* m_stunAlt;
    std::map<QSslSocket*, Session*> m_sessions;
    quint64 m_relayedDatagrams = 0;
};

} // namespace pvc::broker
