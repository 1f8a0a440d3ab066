#pragma once

#include "security/policy.h"

#include <QHash>
#include <QHostAddress>
#include <QJsonObject>
#include <QObject>
#include <QStringList>
#include <memory>

class QSocketNotifier;
class QTimer;

namespace pvc::core {

class DataPlane;
class DnsResponder;
class HelperClient;
class PeerSession;
class PolicyFilter;

// The host's side of the data plane (DESIGN.md, Data plane): the TUN device and DNS socket from
// pvc-helper, the tunnel UDP socket, the packet loop, and for each authenticated peer a tunnel
// whose keys come from the peer TLS session. It also picks each tunnel's path: direct to the
// peer's UDP endpoint when probes come back, otherwise relayed through a broker.
class TunnelManager : public QObject {
    Q_OBJECT
public:
    struct Options {
        QString helperSocket; // empty: no device (the tunnels still run, no program can use them)
        quint16 udpPort = 0;
        int mtu = 1380;
        QString interfaceName = QStringLiteral("pvc0");
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
        QList<QPair<QHostAddress, quint16>> candidates;
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
    void sendRaw(const QByteArray& bytes, const QHostAddress& to, quint16 port);

    // Called when the peer session is authenticated: we offer our index and candidates to the peer.
    void offer(PeerSession* session, const QString& name, const QStringList& candidates);
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
    struct Tunnel {
        quint32 localIndex = 0;
        quint32 remoteIndex = 0;
        quint32 virtualIp = 0;
        bool added = false;
        bool direct = false;
        bool confirmed = false; // the peer answered on the current direct path
        QString technique; // "public" (direct) or "relay"
        PeerPaths paths;
        qint64 pathSinceMs = 0;
        qint64 lastProbeMs = 0;
    };

    void handleForeignDatagram(const QByteArray& datagram, const QHostAddress& from, quint16 port);
    void handleDnsReadable();
    void choosePaths();
    bool useRelay(Tunnel& tunnel);

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
};

} // namespace pvc::core
