#pragma once

#include "connectivity/tcppunch.h"
#include "protocol/traversal.h"

#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QStringList>
#include <functional>
#include <memory>
#include <netinet/in.h>

class QTcpSocket;

// One tunnel's TCP path, for networks that drop UDP (docs/connectivity.md, "TCP paths"): TCP hole
// punching by simultaneous open, then Traversing-TCP, coordinated over the peer session (which
// itself crosses the broker), and the connection either gives. Until one works, and if none ever
// does, the tunnel stays on the TCP relay inside the peer session. On the connection each sealed
// tunnel datagram travels as a frame (tunnel/tcpframes.h); the datagrams authenticate themselves,
// so the connection needs no other protection. Which path the tunnel uses is PathSelector's decision,
// carried out by PeerTunnel.
namespace pvc::core {

class HelperClient;
class PeerSession;
class TcpFrameReader;

class TcpPath : public QObject {
    Q_OBJECT
public:
    // What the TCP path needs of its tunnel, read afresh whenever it acts.
    struct View {
        PeerSession* session = nullptr;
        NatKind localNat = NatKind::Unknown;
        NatKind peerNat = NatKind::Unknown;
        QStringList peerTcpAddresses; // the peer's public address as brokers see its TCP connections
        QStringList peerHostAddresses; // the peer's own interfaces
        sockaddr_in peerPublic {}; // the peer's public UDP endpoint; port 0: unknown
        bool onTcp = false; // the tunnel runs on this path's connection already
    };

    // helper: null without pvc-helper (no Traversing-TCP then).
    TcpPath(const QString& peer, HelperClient* helper, std::function<View()> view, QObject* parent = nullptr);
    ~TcpPath() override;

    bool isPunching() const { return m_punch; }
    // peerPort 0: we offer a port and wait for the peer's; otherwise we answer an offer and punch at once.
    void startPunch(quint16 peerPort);
    void handleTcpRecord(const QJsonObject& record); // tunnel-tcp
    void handleTtcpRecord(const QJsonObject& record); // tunnel-ttcp
    // False without a connection; a full connection drops the datagram (and returns true), like a full queue.
    bool send(const QByteArray& datagram);
    void release(); // closes the connection, if any
    QString peerText() const { return m_peerText; } // "ip:port" of the connection

Q_SIGNALS:
    void connected(const QString& peer, pvc::core::Technique technique);
    void datagramReceived(const QByteArray& datagram);
    void lost(const QString& why);

private:
    void adopt(int fd, const QString& peer, Technique technique);
    void readFrames();
    void handlePunchFailed(const QString& code, const QString& detail);
    QStringList punchAddresses(const View& view) const;
    void startTtcpServer();
    void startTtcpClient(const View& view, const QJsonObject& record);
    void injectSyn(const View& view, const QJsonObject& record);

    const QString m_name;
    HelperClient* const m_helper;
    const std::function<View()> m_view;
    QPointer<TcpPunch> m_punch; // a punch, or the Traversing-TCP server's wait
    QPointer<TtcpClient> m_ttcpClient;
    bool m_ttcpTried = false;
    QPointer<QTcpSocket> m_tcp;
    std::shared_ptr<TcpFrameReader> m_frames;
    QString m_peerText;
};

// The side whose own address is reachable (no NAT in front of it) serves Traversing-TCP.
bool servesTtcp(NatKind local, NatKind peer, bool tlsClient);
// The peer's public address for Traversing-TCP: as brokers see its TCP, else its public UDP endpoint.
QString peerPublicAddress(const TcpPath::View& view);

} // namespace pvc::core
