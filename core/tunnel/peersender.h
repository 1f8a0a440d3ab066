#pragma once

#include "tunnel/packetbatch.h"
#include "tunnel/peertable.h"

#include <QByteArray>
#include <chrono>
#include <functional>
#include <span>

// Sealing for one peer, and the datagrams that do not ride in the TUN -> UDP batch: keepalives,
// probes and probe replies (batched among themselves), and anything for a peer whose path is a
// stream or an extra socket (sent one at a time). The packet loop's thread only.
namespace pvc::core {

class PeerSender {
public:
    using Clock = TunnelSession::Clock;
    using Peer = PeerTable::Peer;
    // Sealed datagrams of a peer whose path is a stream (the TCP relay): the owner carries them.
    using StreamHandler = std::function<void(quint32 localIndex, const QByteArray& datagram)>;

    static constexpr auto ProbeInterval = std::chrono::seconds(2); // and at once on a new path
    static constexpr std::size_t ProbeBytes = 8; // the sender's clock in nanoseconds, big-endian

    PeerSender(int udpFd, StreamHandler onStreamDatagram);
    PeerSender(const PeerSender&) = delete;
    PeerSender& operator=(const PeerSender&) = delete;

    // Seals payload into out; false (and a drop counted against the peer) if it cannot.
    bool seal(Peer& peer, PacketType type, std::span<const std::uint8_t> payload, std::span<std::uint8_t> out,
        std::size_t* size, Clock::time_point now);
    // Sends one sealed datagram outside the batches: to: null for the peer's current path (its
    // stream, or its destination from socket fd), else directly to that address from socket fd.
    void sendAside(Peer& peer, int fd, std::span<const std::uint8_t> datagram, const sockaddr_in* to);
    // to: null for the peer's current path; otherwise directly to that address from socket fd (-1: main).
    void sendSmall(Peer& peer, PacketType type, std::span<const std::uint8_t> payload, const sockaddr_in* to,
        Clock::time_point now, int fd = -1);
    // to: a probe for another path than the current one (hole punching); it leaves the schedule alone.
    void sendProbe(Peer& peer, Clock::time_point now, const sockaddr_in* to = nullptr, int fd = -1);
    // Sends the queued small datagrams. Before a peer's session or relay prefix changes too: the
    // queue points into them.
    void flush() { m_smallBatch.flush(m_udpFd); }

private:
    const int m_udpFd;
    const StreamHandler m_onStreamDatagram;
    DatagramBatch m_smallBatch;
};

} // namespace pvc::core
