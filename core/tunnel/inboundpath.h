#pragma once

#include "tunnel/packetbatch.h"
#include "tunnel/packetfilter.h"
#include "tunnel/peersender.h"
#include "tunnel/peertable.h"

#include <QByteArray>
#include <atomic>
#include <functional>
#include <memory>

// UDP -> TUN (DESIGN.md, "Data plane"; docs/tunnel.md): recvmmsg() up to a batch of datagrams,
// parse, find the peer by receiver index, open in place (replay window, tag), check the inner
// source is the peer's virtual IP, ask the filter, write to the TUN. Keepalives end here, probes
// are answered (PeerSender), probe replies give the round trip. Other datagrams (STUN, relay
// framing) go to the foreign handler. The packet loop's thread only; no allocation, no lock.
namespace pvc::core {

class InboundPath {
public:
    using Clock = TunnelSession::Clock;
    using ForeignHandler = std::function<void(const QByteArray& datagram, const sockaddr_in& from)>;

    // drops: what no peer can be charged with. filter: not null.
    InboundPath(int tunFd, int udpFd, PeerTable& peers, PeerSender& sender, DropCounters& drops,
        ForeignHandler onForeignDatagram, std::shared_ptr<PacketFilter> filter);
    InboundPath(const InboundPath&) = delete;
    InboundPath& operator=(const InboundPath&) = delete;

    void setFilter(std::shared_ptr<PacketFilter> filter) { m_filter = std::move(filter); }
    // Receives one batch from fd (the main socket or an extra one) and answers probes.
    void pump(int fd, Clock::time_point now);
    // A tunnel datagram that arrived another way (a relay); hint: its local index, or 0.
    void inject(const QByteArray& bytes, quint32 hint, Clock::time_point now);

    // Any thread: datagrams handed to the foreign handler.
    std::uint64_t foreignDatagrams() const { return m_foreignDatagrams.load(std::memory_order_relaxed); }

private:
    using Peer = PeerTable::Peer;

    // from: null for an injected datagram. fd: the extra socket it came in on, -1 for the main one.
    void handleDatagram(
        std::uint8_t* data, std::size_t size, const sockaddr_in* from, int fd, quint32 hint, Clock::time_point now);
    void handleOpened(Peer& peer, PacketType type, std::uint8_t* plain, std::size_t size, const sockaddr_in* from,
        int fd, Clock::time_point now);
    void deliver(Peer& peer, const std::uint8_t* packet, std::size_t size);

    const int m_tunFd;
    const int m_udpFd;
    PeerTable& m_peers;
    PeerSender& m_sender;
    DropCounters& m_drops;
    const ForeignHandler m_onForeignDatagram;
    std::shared_ptr<PacketFilter> m_filter;
    DatagramBatch m_batch; // received into, opened in place
    std::unique_ptr<std::uint8_t[]> m_injectBuffer;
    std::atomic<std::uint64_t> m_foreignDatagrams { 0 };
};

} // namespace pvc::core
