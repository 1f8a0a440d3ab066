#pragma once

#include "tunnel/packetbatch.h"
#include "tunnel/packetfilter.h"
#include "tunnel/peersender.h"
#include "tunnel/peertable.h"

#include <memory>

// TUN -> UDP (DESIGN.md, "Data plane"): read up to a batch of packets, find each one's peer by
// destination virtual IP, ask the filter, seal in place, and send the batch with one sendmmsg().
// A peer whose path is a stream or an extra socket gets its datagrams one at a time (PeerSender).
// The packet loop's thread only; no allocation, no lock.
namespace pvc::core {

class OutboundPath {
public:
    using Clock = TunnelSession::Clock;

    // drops: what no peer can be charged with. filter: not null.
    OutboundPath(int tunFd, int udpFd, PeerTable& peers, PeerSender& sender, DropCounters& drops,
        std::shared_ptr<PacketFilter> filter);
    OutboundPath(const OutboundPath&) = delete;
    OutboundPath& operator=(const OutboundPath&) = delete;

    void setFilter(std::shared_ptr<PacketFilter> filter) { m_filter = std::move(filter); }
    // Reads the TUN until it is drained or a batch is full, then sends the batch.
    void pump(Clock::time_point now);

private:
    // datagram: a slot whose packet was read right after the room for the header.
    void handlePacket(std::uint8_t* datagram, std::size_t packetSize, Clock::time_point now);

    const int m_tunFd;
    const int m_udpFd;
    PeerTable& m_peers;
    PeerSender& m_sender;
    DropCounters& m_drops;
    std::shared_ptr<PacketFilter> m_filter;
    DatagramBatch m_batch; // read into, sealed in place, sent from
};

} // namespace pvc::core
