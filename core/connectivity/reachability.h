#pragma once

#include "protocol/traversal.h"

#include <QHash>
#include <QHostAddress>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QPair>
#include <QStringList>
#include <functional>

class QTimer;

namespace pvc::core {

class BrokerConnection;
class UpnpMapper;

// How this host looks from outside, which is what peers need to pick a direct path (docs/connectivity.md):
// what the brokers' STUN ports saw of the tunnel socket, what the router's UPnP mapping offers, and the
// NAT kind judged from both. It keeps the probes and the mapping alive; it decides nothing about peers.
class Reachability : public QObject {
    Q_OBJECT
public:
    // The tunnel's UDP socket. STUN must leave from it, so that brokers observe the very port peers reach.
    struct Socket {
        std::function<bool()> isOpen;
        std::function<void(const QByteArray&, const QHostAddress&, quint16)> send;
        std::function<QStringList()> localCandidates; // our interfaces' "ip:port"
    };
    // What peers learn of us in tunnel offers: endpoints with their kind, the NAT kind, whether UDP
    // works at all, and our public address as brokers see our TCP connections.
    struct View {
        QList<QPair<QString, CandidateKind>> candidates;
        NatKind nat = NatKind::Unknown;
        bool udp = false;
        QStringList tcpAddresses;
    };
    static constexpr int StunIntervalMs = 20000;

    Reachability(bool upnpEnabled, Socket socket, QObject* parent);
    ~Reachability() override;

    // Starts the periodic STUN probes (bindings in NATs last about 30 s).
    void start();
    // A broker welcomed us: our session id there (the STUN USERNAME that lets it relay for us), whether
    // as a member (only members probe), the TCP address it saw and its second STUN port (0: none).
    void handleWelcome(BrokerConnection* broker, const QString& sessionId, bool member, const QString& observedTcp,
        quint16 stunAltPort);
    void handleBrokerLost(BrokerConnection* broker);
    void sendStun();
    void handleStun(const QByteArray& datagram);

    // The UPnP mapping of the tunnel port, while the tunnel runs (unless disabled). The description
    // of the first start stays for the daemon's life, as routers list mappings by it.
    void startMapping(const QString& description, quint16 udpPort);
    void stopMapping();

    View view() const;
    // observed_tcp, observed_udp and observed_udp_alt of one broker for pvcd's status.
    void describeBroker(BrokerConnection* broker, QJsonObject& entry) const;
    QJsonObject upnpStatusJson() const;

Q_SIGNALS:
    // A broker's main STUN port answered (the broker now knows our UDP endpoint and may relay for us).
    void udpObserved(BrokerConnection* broker);
    // A STUN answer arrived: what the brokers observed may have changed.
    void stunAnswered();
    // The router's mapping appeared, changed or went away.
    void mappingChanged();

private:
    struct Observation {
        QString sessionId;
        bool member = false;
        QString observedTcp;
        QString observedUdp;
        QString observedUdpAlt; // the same socket as the broker's second STUN port sees it
        QByteArray stunTransaction;
        QByteArray stunAltTransaction;
        quint16 stunAltPort = 0;
    };

    Socket m_socket;
    bool m_upnpEnabled;
    QHash<BrokerConnection*, Observation> m_observations;
    UpnpMapper* m_upnp = nullptr;
    QTimer* m_stunTimer;
};

} // namespace pvc::core
