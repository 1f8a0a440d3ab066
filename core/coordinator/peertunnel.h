#pragma once

#include "connectivity/birthdayprober.h"
#include "connectivity/pathselector.h"
#include "coordinator/candidateprober.h"
#include "coordinator/directtechnique.h"
#include "coordinator/peerpaths.h"
#include "coordinator/peerreach.h"
#include "coordinator/sessionlink.h"
#include "coordinator/tunnelhost.h"
#include "protocol/traversal.h"

#include <QJsonObject>
#include <QObject>
#include <QStringList>
#include <memory>

// One peer's tunnel (DESIGN.md, "Data plane"; docs/connectivity.md): its session in the data plane,
// its path, and the carrying out of PathSelector's decisions for it (the data plane's path, its TCP
// path), with what we know of the peer (PeerReach), probes (CandidateProber), the technique records
// (DirectTechnique) and the peer session's records (SessionLink).
// TunnelManager owns one per authenticated peer and gives each the host's shared parts.
namespace pvc::core {

class PeerSession;
class TcpPath;
struct PeerStats;

class PeerTunnel : public QObject {
    Q_OBJECT
public:
    PeerTunnel(const QString& name, PeerSession* session, quint32 localIndex, const TunnelHost& host);
    ~PeerTunnel() override;

    quint32 localIndex() const { return m_localIndex; }
    bool isAdded() const { return m_added; }
    PeerSession* session() const;
    // The peer's offer arrived: the session joins the data plane and the first path is taken.
    bool accept(
        PeerSession* session, quint32 virtualIp, const QJsonObject& offer, const PeerPaths& paths, QString* error);
    // tunnel-info, tunnel-tcp, tunnel-ttcp, tunnel-punch, tunnel-path (tunnel-packet is the manager's).
    void handleRecord(const QString& type, const QJsonObject& record);
    void updatePaths(const PeerPaths& paths);
    // One path tick with the data plane's counters for this tunnel.
    void choosePath(const PeerStats& peer, qint64 now);
    // A sealed datagram for the TCP path or, failing that, the TCP relay in the peer session.
    void sendStreamDatagram(const QByteArray& datagram);
    bool relaysThrough(const QHostAddress& broker, quint16 port) const;
    BirthdayProber::Peer birthdayPeer() const;
    // Our birthday probing toward the peer started: it sprays our address meanwhile (tunnel-punch).
    void askForSpray();
    QJsonObject json(const PeerStats* peer) const;

Q_SIGNALS:
    // The tunnel used up its key epochs: a fresh TLS session must replace it (emitted during a path tick).
    void expired();

private:
    PathContext pathContext() const;
    void carryOut(const PathAction& action);
    void useDirect(const sockaddr_in& endpoint, int socket);
    bool useRelay(const QString& why);
    void useStream(const QString& why);
    void enterRelay(PathKind relay);
    void nameTechnique();
    // peertunneltcp.cpp
    void makeTcpPath();
    void useTcp(const QString& peer, Technique technique);

    const QString m_name;
    const TunnelHost& m_host;
    const quint32 m_localIndex;
    SessionLink m_link;
    CandidateProber m_prober;
    quint32 m_remoteIndex = 0;
    bool m_added = false;
    PathState m_state;
    DirectTechnique m_technique;
    PeerReach m_reach;
    std::unique_ptr<TcpPath> m_tcp; // for networks that drop UDP
};

} // namespace pvc::core
