#pragma once

#include "coordinator/localinfo.h"
#include "coordinator/pathtimer.h"
#include "coordinator/peerpaths.h"
#include "coordinator/peertunnel.h"
#include "security/policy.h"

#include <QHash>
#include <QHostAddress>
#include <QJsonObject>
#include <QObject>
#include <QStringList>
#include <functional>
#include <memory>
#include <optional>

namespace pvc::core {

class BirthdayProber;
class DataPlane;
class PeerSession;
class PolicyFilter;
class TunnelDevice;

// The host's side of the data plane (DESIGN.md, Data plane): the TUN device and DNS socket from
// pvc-helper, the tunnel UDP socket, the packet loop, and for each authenticated peer a tunnel
// whose keys come from the peer TLS session (a PeerTunnel, which also picks its path). This owns
// and wires the units: the TunnelDevice, the DataPlane, the BirthdayProber shared by all tunnels,
// and the PathTimer that drives each tunnel's PathSelector (docs/connectivity.md).
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
    using PeerPaths = pvc::core::PeerPaths;

    TunnelManager(const Options& options, QObject* parent);
    ~TunnelManager() override;

    // Opens the device (through the helper), the DNS socket and the UDP socket, and starts the loop.
    bool start(const Identity& identity, QString* error);
    void stop();
    bool isRunning() const;
    quint16 udpPort() const;

    void setPolicy(std::shared_ptr<const PolicySet> policy);
    void setPeerIdentity(quint32 virtualIp, const QString& name, const QStringList& groups);
    void setNameLookup(std::function<std::optional<quint32>(const QString&)> lookup);

    // Our local addresses and ports that peers may try directly.
    QStringList localCandidates() const;
    // What peers learn of us in the tunnel offer and later updates.
    using LocalInfo = pvc::core::LocalInfo;
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
    bool startDataPlane(const Identity& identity, QString* error);
    void updateHost();
    void handleForeignDatagram(const QByteArray& datagram, const QHostAddress& from, quint16 port);
    void handleStreamDatagram(quint32 localIndex, const QByteArray& datagram);

    Options m_options;
    Identity m_identity;
    std::unique_ptr<TunnelDevice> m_device;
    std::unique_ptr<DataPlane> m_dataPlane;
    std::shared_ptr<PolicyFilter> m_filter;
    std::unique_ptr<BirthdayProber> m_birthday;
    std::function<std::optional<quint32>(const QString&)> m_lookup;
    std::shared_ptr<const PolicySet> m_policy;
    QHash<QString, std::shared_ptr<PeerTunnel>> m_tunnels;
    PathTimer m_pathTimer { m_tunnels };
    LocalInfo m_local;
    TunnelHost m_host; // what every tunnel reads of the host; kept current by updateHost()
};

} // namespace pvc::core
