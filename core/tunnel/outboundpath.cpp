#include "tunnel/outboundpath.h"

#include "tunnel/packetpath.h"

#include <cerrno>
#include <unistd.h>

namespace pvc::core {

namespace {
// The largest datagram, plus one byte to see an oversized packet, plus the AEAD tag sealing adds.
constexpr std::size_t SlotBytes = datapacket::MaxDatagramBytes + 1 + datapacket::HeaderBytes + datapacket::TagBytes;
} // namespace

OutboundPath::OutboundPath(int tunFd, int udpFd, PeerTable& peers, PeerSender& sender, DropCounters& drops,
    std::shared_ptr<PacketFilter> filter)
    : m_tunFd(tunFd)
    , m_udpFd(udpFd)
    , m_peers(peers)
    , m_sender(sender)
    , m_drops(drops)
    , m_filter(std::move(filter))
    , m_batch(SlotBytes)
{
}

void OutboundPath::pump(Clock::time_point now)
{
    for (int i = 0; i < DatagramBatch::Capacity; ++i) {
        std::uint8_t* datagram = m_batch.slot(i);
        // Read past the largest payload we can seal, to see (and drop) a packet that is too large.
        const ssize_t size = ::read(m_tunFd, datagram + datapacket::HeaderBytes, datapacket::MaxPayloadBytes + 1);
        if (size < 0 && errno == EINTR) {
            --i;
            continue;
        }
        if (size <= 0)
            break; // drained (EAGAIN), or an error the next wake-up will see again
        handlePacket(datagram, std::size_t(size), now);
    }
    m_batch.flush(m_udpFd);
}

void OutboundPath::handlePacket(std::uint8_t* datagram, std::size_t packetSize, Clock::time_point now)
{
    const std::uint8_t* packet = datagram + datapacket::HeaderBytes;
    if (packetSize > datapacket::MaxPayloadBytes)
        return m_drops.add(DropReason::TooLarge);
    if (packetSize < packetpath::Ipv4HeaderBytes || packet[0] >> 4 != 4)
        return m_drops.add(DropReason::NotIpv4);
    PeerTable::Peer* const peer = m_peers.route(packetpath::readU32(packet + 16));
    if (!peer)
        return m_drops.add(DropReason::NoRoute);
    if (!m_filter->allowOutbound(packet, packetSize, packetpath::peerRef(*peer->session)))
        return peer->counters->drops.add(DropReason::FilteredOut);
    std::size_t size = 0;
    if (!m_sender.seal(*peer, PacketType::Data, { packet, packetSize }, { datagram, m_batch.slotBytes() }, &size, now))
        return;
    if (peer->viaStream || peer->socket >= 0)
        m_sender.sendAside(*peer, peer->socket, { datagram, size }, nullptr);
    else
        m_batch.queue(peer->session->prefix(), { datagram, size }, peer->session->destination(), peer->counters.get());
}

} // namespace pvc::core
