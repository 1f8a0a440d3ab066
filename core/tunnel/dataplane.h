#pragma once

#include "common/result.h"
#include "tunnel/packetfilter.h"
#include "tunnel/tunnelsession.h"
#include "tunnel/tunnelstats.h"

#include <QByteArray>
#include <QString>
#include <functional>
#include <memory>
#include <netinet/in.h>

// The packet loop (DESIGN.md, "Data plane"), in its own std::thread, away from Qt's event loop:
//
//   TUN -> UDP: read up to 64 packets, find each one's session by destination virtual IP, ask the
//               filter, seal in place, send the batch with one sendmmsg().
//   UDP -> TUN: recvmmsg() up to 64 datagrams, parse, find the session by receiver index, check
//               the replay window, open in place, check the inner source is the peer's virtual IP,
//               ask the filter, write to the TUN. Other datagrams (STUN, relay framing) go to
//               onForeignDatagram.
//
// Other threads steer it through a mutex-protected command queue and an eventfd; the packet path
// takes no lock. All buffers are allocated up front: no heap allocation per packet, except for the
// QByteArray handed to onForeignDatagram and the commands themselves (sendRaw, injectDatagram).
namespace pvc::core {

struct PeerConfig {
    QString name;
    quint32 virtualIp = 0; // host order
    quint32 localIndex = 0; // ours, chosen for this session: not 0, not the STUN cookie
    quint32 remoteIndex = 0; // the peer's
    // The peer TLS session's RFC 5705 exporter, called on the thread that calls addPeer() only.
    std::function<QByteArray(QByteArray label, QByteArray context, int length)> exporter;
    bool isClient = false; // our TLS role in that session
    sockaddr_in endpoint {};
    bool viaRelay = false;
    RelayTarget relay;
};

class DataPlane {
public:
    struct Config {
        int tunFd = -1; // a TUN device (IFF_TUN | IFF_NO_PI) or anything that reads and writes whole packets
        int udpFd = -1; // a bound UDP socket
        // Called on the data-plane thread for every datagram that is not a tunnel datagram; it
        // must hand the bytes over to its own thread (e.g. a queued invocation) and return.
        std::function<void(const QByteArray& datagram, const sockaddr_in& from)> onForeignDatagram;
        // Called on the data-plane thread with each sealed datagram of a peer whose path is a
        // stream (setPath with viaStream): the owner carries it (e.g. the TCP relay) and returns.
        std::function<void(quint32 localIndex, const QByteArray& datagram)> onStreamDatagram;
        std::shared_ptr<PacketFilter> filter; // null: allow everything
    };

    // A keepalive goes to each peer every 10 s if nothing else was sent; a probe every 30 s, and at
    // once on a new path, measures the round trip (PeerStats::rttUs).

    // Neither fd is owned; both must be non-blocking and outlive the data plane.
    explicit DataPlane(Config config);
    ~DataPlane(); // stop()
    DataPlane(const DataPlane&) = delete;
    DataPlane& operator=(const DataPlane&) = delete;

    // Starts the thread, once. Errors: tunnel.bad_argument, tunnel.system (epoll, thread).
    bool start(Error* error = nullptr);
    void stop();

    // Control, from any thread; applied in order on the data-plane thread. addPeer() derives the
    // session's keys here, on the caller's thread. Errors: tunnel.bad_argument,
    // tunnel.duplicate_index, tunnel.exporter_failed, tunnel.crypto_failed. A peer added with the
    // virtual IP of an existing one takes over its outbound traffic; the old session still opens
    // what arrives for it until removed (make-before-break re-establishment).
    bool addPeer(const PeerConfig& peer, Error* error = nullptr);
    bool removePeer(quint32 localIndex);
    // Direct: datagrams go to endpoint. viaRelay: to the peer's RelayTarget (endpoint is kept as the
    // direct address for later). Refused for unknown peers, and for viaRelay without a relay.
    bool setEndpoint(quint32 localIndex, const sockaddr_in& endpoint, bool viaRelay);
    // The general form. viaStream: datagrams go to Config::onStreamDatagram. socket: an extra socket
    // (addSocket) the direct path uses, -1 for the main one.
    bool setPath(quint32 localIndex, const sockaddr_in& endpoint, bool viaRelay, bool viaStream, int socket = -1);
    // Hole punching: one authenticated probe to `to`, from the main socket or an extra one, without
    // changing the path. An answer shows up as PeerStats::lastDirectSource/lastDirectSocket.
    void probe(quint32 localIndex, const sockaddr_in& to, int socket = -1);
    // Extra UDP sockets (birthday probing from behind a symmetric NAT): the data plane takes the fd,
    // listens on it, and closes it on removeSocket(), when the last peer using it goes, or at stop.
    void addSocket(int fd);
    void removeSocket(int fd);
    bool setRelay(quint32 localIndex, const RelayTarget& relay);
    void setFilter(std::shared_ptr<PacketFilter> filter);
    // Sends bytes as they are from the tunnel socket (STUN, hole punching).
    void sendRaw(const QByteArray& bytes, const sockaddr_in& to);
    // A tunnel datagram that arrived another way (a relay, prefix stripped): it takes the normal
    // UDP -> TUN path. With a non-zero hint it must be addressed to that local index.
    void injectDatagram(const QByteArray& bytes, quint32 fromPeerIndexHint = 0);

    DataPlaneStats stats() const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace pvc::core
