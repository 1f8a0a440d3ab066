#pragma once

#include "security/policy.h"

#include <QHash>
#include <QHostAddress>
#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QStringList>
#include <memory>
#include <netinet/in.h>
#include <optional>

class QSocketNotifier;
class QTcpSocket;
class QTimer;

namespace pvc::core {

class DataPlane;
class DnsResponder;
class HelperClient;
class PeerSession;
class PolicyFilter;
struct PeerStats;
class TcpPunch;
class TtcpClient;
class TcpFrameReader;

// The host's side of the data plane (DESIGN.md, Data plane): the TUN device and DNS socket from
// pvc-helper, the tunnel UDP socket, the packet loop, and for each authenticated peer a tunnel
// whose keys come from the peer TLS session. It also picks each tunnel's path (tunnelpaths.cpp,
// docs/connectivity.md): the relay at once (UDP through a broker, or the peer session's TCP relay
// when UDP is blocked), hole punching in the background, the direct path as soon as one answers,
// and back to the relay when it dies.
class TunnelManager : public QObject {
    Q_OBJECT
public:
    struct Options {
        QString helperSocket; // empty: no device (the tunnels still run, no program can use them)
        quint16 udpPort = 0;
        int mtu = 1380;
        QString interfaceName = QStringLiteral("pvc0");
        bool upnp = true; // ask the home router for a mapping of the UDP port (Daemon)
    };
    struct Identity {
        QString name;
        QString virtualIp;
        QStringList groups;
        QString domain;
        int prefix = 16;
    };
    // How to reach a peer: its direct candidates, and a broker that relays for both of us.
    struct PeerPaths {
        QList<QPair<QHostAddress, quint16>> candidates; // observed by brokers (server reflexive)
        QHostAddress relayBroker;
        quint16 relayPort = 0;
        quint32 relayTag = 0; // the peer's tag at that broker; 0: no relay
    };

    TunnelManager(const Options& options, QObject* parent);
    ~TunnelManager() override;

    // Opens the device (through the helper), the DNS socket and the UDP socket, and starts the loop.
    bool start(const Identity& identity, QString* error);
    void stop();
    bool isRunning() const;
    quint16 udpPort() const { return m_udpPort; }

    void setPolicy(std::shared_ptr<const PolicySet> policy);
    void setPeerIdentity(quint32 virtualIp, const QString& name, const QStringList& groups);
    void setNameLookup(std::function<std::optional<quint32>(const QString&)> lookup);

    // Our local addresses and ports that peers may try directly.
    QStringList localCandidates() const;
    // What peers learn of us in the tunnel offer and later updates: endpoints with their kind
    // ("host", "srflx" seen by a broker, "upnp" mapped on the router), the NAT's mapping behaviour
    // ("none", "endpoint-independent", "symmetric" or "unknown"), and whether our UDP works at all.
    struct LocalInfo {
        QList<QPair<QString, QString>> candidates; // endpoint "ip:port", kind
        QString nat = QStringLiteral("unknown");
        bool udp = false;
        QStringList tcpAddresses; // our public address as brokers see our TCP connections
        bool operator==(const LocalInfo&) const = default;
    };
    void setLocalInfo(const LocalInfo& info);
    void sendRaw(const QByteArray& bytes, const QHostAddress& to, quint16 port);

    // Called when the peer session is authenticated: we offer our index and candidates to the peer.
    void offer(PeerSession* session, const QString& name);
    // Tunnel records other than the offer ("tunnel-info", "tunnel-path", "tunnel-packet").
    void handleRecord(const QString& name, const QJsonObject& record);
    // The peer's offer arrived: the tunnel starts.
    void accept(
        PeerSession* session, const QString& name, quint32 virtualIp, const QJsonObject& offer, const PeerPaths& paths);
    void updatePaths(const QString& name, const PeerPaths& paths);
    QStringList tunnelNames() const { return m_tunnels.keys(); }
    void removePeer(const QString& name);

    QJsonObject statusJson() const;
    QJsonObject peerJson(const QString& name) const;

Q_SIGNALS:
    void stunReceived(const QByteArray& datagram, const QHostAddress& from, quint16 port);
    // The tunnel used up its key epochs (about two hours): a fresh TLS session must replace it.
    void tunnelExpired(const QString& name);

private:
    // Stream: the TCP relay in the peer session; DirectTcp: a punched TCP connection (tunneltcp.cpp).
    enum class Path { None, Relay, Stream, Direct, DirectTcp };
    struct Tunnel {
        quint32 localIndex = 0;
        quint32 remoteIndex = 0;
        quint32 virtualIp = 0;
        bool added = false;
        QPointer<PeerSession> session;
        Path path = Path::None;
        bool confirmed = false; // the peer answered on the current direct path
        sockaddr_in directEndpoint {};
        int directSocket = -1; // an extra socket of a birthday probe, -1: the main one
        QString technique; // ours for the direct path: public, upnp, udp-punch
        QString peerTechnique; // the peer's, from its tunnel-path record
        PeerPaths paths;
        QHash<QString, QString> candidateKinds; // "ip:port" -> host, srflx, upnp
        QString peerNat = QStringLiteral("unknown");
        bool peerUdp = true;
        bool udpRelayFailed = false;
        qint64 startedMs = 0;
        qint64 pathSinceMs = 0;
        qint64 nextPunchMs = 0;
        int punchRounds = 0;
        qint64 nextSprayMs = 0;
        int sprayLeft = 0;
        bool sprayRequested = false; // the peer's tunnel-punch record asked for it
        qint64 nextBirthdayMs = 0;
        quint64 lastPacketsOut = 0;
        // TCP paths, for networks that drop UDP (tunneltcp.cpp).
        QStringList peerTcpAddresses;
        QPointer<TcpPunch> tcpPunch;
        QPointer<TtcpClient> ttcpClient;
        bool ttcpTried = false;
        QPointer<QTcpSocket> tcp;
        std::shared_ptr<TcpFrameReader> tcpFrames;
        QString tcpPeer; // "ip:port" of the connection
        qint64 nextTcpAttemptMs = 0;
        int tcpAttempts = 0;
    };
    // Birthday probing from behind our symmetric NAT: many sockets, one peer at a time.
    struct Birthday {
        QString peer;
        std::vector<int> sockets;
        sockaddr_in target {};
        qint64 untilMs = 0;
        qint64 nextRoundMs = 0;
    };

    void handleForeignDatagram(const QByteArray& datagram, const QHostAddress& from, quint16 port);
    void handleDnsReadable();
    void handleStreamDatagram(quint32 localIndex, const QByteArray& datagram);
    void sendInfo(Tunnel& tunnel);
    void addCandidate(Tunnel& tunnel, const QHostAddress& address, quint16 port, const QString& kind);
    // tunnelpaths.cpp
    void choosePaths();
    void choosePath(const QString& name, Tunnel& tunnel, const PeerStats& peer, qint64 now);
    void punch(Tunnel& tunnel, qint64 now);
    void useDirect(const QString& name, Tunnel& tunnel, const sockaddr_in& endpoint, int socket);
    bool useRelay(const QString& name, Tunnel& tunnel, const QString& why);
    void useStream(const QString& name, Tunnel& tunnel, const QString& why);
    void enterRelay(Tunnel& tunnel, Path relay);
    void runBirthday(qint64 now);
    void endBirthday(int keepSocket);
    QString techniqueOf(const Tunnel& tunnel) const;
    sockaddr_in publicEndpoint(const Tunnel& tunnel) const;
    void nameTechnique(Tunnel& tunnel);
    bool udpWorks() const { return m_local.udp; }
    // tunneltcp.cpp
    void maybeStartTcp(const QString& name, Tunnel& tunnel, qint64 now);
    void handleTcpRecord(const QString& name, Tunnel& tunnel, const QJsonObject& record);
    void startTcpPunch(const QString& name, Tunnel& tunnel, quint16 peerPort);
    void useTcp(const QString& name, Tunnel& tunnel, int fd, const QString& peer, const QString& technique);
    void readTcp(const QString& name);
    void releaseTcp(Tunnel& tunnel);
    void startTtcpServer(const QString& name, Tunnel& tunnel);
    void handleTtcpRecord(const QString& name, Tunnel& tunnel, const QJsonObject& record);
    QString peerPublicAddress(const Tunnel& tunnel) const;
    bool sendTcp(Tunnel& tunnel, const QByteArray& datagram);

    Options m_options;
    Identity m_identity;
    std::unique_ptr<HelperClient> m_helper;
    std::unique_ptr<DataPlane> m_dataPlane;
    std::shared_ptr<PolicyFilter> m_filter;
    std::unique_ptr<DnsResponder> m_dns;
    std::function<std::optional<quint32>(const QString&)> m_lookup;
    std::shared_ptr<const PolicySet> m_policy;
    QSocketNotifier* m_dnsNotifier = nullptr;
    int m_tunFd = -1;
    int m_placeholderFd = -1; // the other end of a socketpair standing in for a TUN without helper
    int m_dnsFd = -1;
    int m_udpFd = -1;
    quint16 m_udpPort = 0;
    QHash<QString, Tunnel> m_tunnels;
    QTimer* m_pathTimer;
    LocalInfo m_local;
    std::optional<Birthday> m_birthday;
    QStringList m_birthdayQueue;
};

} // namespace pvc::core
