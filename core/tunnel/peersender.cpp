#include "tunnel/peersender.h"

#include "tunnel/packetpath.h"

#include <sys/socket.h>

namespace pvc::core {

namespace {
constexpr std::size_t SmallSlotBytes = 64; // keepalives, probes and replies
} // namespace

PeerSender::PeerSender(int udpFd, StreamHandler onStreamDatagram)
    : m_udpFd(udpFd)
    , m_onStreamDatagram(std::move(onStreamDatagram))
    , m_smallBatch(SmallSlotBytes)
{
}

bool PeerSender::seal(Peer& peer, PacketType type, std::span<const std::uint8_t> payload, std::span<std::uint8_t> out,
    std::size_t* size, Clock::time_point now)
{
    TunnelSession& session = *peer.session;
    if (!peer.viaStream && session.destination().sin_port == 0) {
        peer.counters->drops.add(DropReason::NoEndpoint);
        return false;
    }
    const TunnelSession::Status status = session.seal(type, payload, out, size, now);
    peer.counters->sendEpoch.store(session.sendEpoch(), std::memory_order_relaxed);
    if (status == TunnelSession::Status::Ok)
        return true;
    if (status == TunnelSession::Status::Expired)
        peer.counters->expired.store(true, std::memory_order_relaxed);
    peer.counters->drops.add(packetpath::dropFor(status));
    return false;
}

void PeerSender::sendAside(Peer& peer, int fd, std::span<const std::uint8_t> datagram, const sockaddr_in* to)
{
    if (!to && peer.viaStream) {
        if (m_onStreamDatagram)
            m_onStreamDatagram(peer.session->localIndex(),
                QByteArray(reinterpret_cast<const char*>(datagram.data()), qsizetype(datagram.size())));
        bump(peer.counters->packetsOut);
        bump(peer.counters->bytesOut, datagram.size());
        return;
    }
    const sockaddr_in& target = to ? *to : peer.session->destination();
    const ssize_t sent = ::sendto(fd < 0 ? m_udpFd : fd, datagram.data(), datagram.size(), MSG_DONTWAIT,
        reinterpret_cast<const sockaddr*>(&target), sizeof(sockaddr_in));
    if (sent < 0)
        return peer.counters->drops.add(DropReason::SendFailed);
    bump(peer.counters->packetsOut);
    bump(peer.counters->bytesOut, datagram.size());
}

void PeerSender::sendSmall(Peer& peer, PacketType type, std::span<const std::uint8_t> payload, const sockaddr_in* to,
    Clock::time_point now, int fd)
{
    if (fd >= 0 || (!to && (peer.viaStream || peer.socket >= 0))) {
        std::uint8_t out[SmallSlotBytes];
        std::size_t size = 0;
        if (seal(peer, type, payload, { out, SmallSlotBytes }, &size, now))
            sendAside(peer, to ? fd : peer.socket, { out, size }, to);
        return;
    }
    if (m_smallBatch.queued() == DatagramBatch::Capacity)
        m_smallBatch.flush(m_udpFd);
    std::uint8_t* out = m_smallBatch.slot(m_smallBatch.queued());
    std::size_t size = 0;
    if (!seal(peer, type, payload, { out, SmallSlotBytes }, &size, now))
        return;
    if (to)
        m_smallBatch.queue({}, { out, size }, *to, peer.counters.get());
    else
        m_smallBatch.queue(peer.session->prefix(), { out, size }, peer.session->destination(), peer.counters.get());
}

void PeerSender::sendProbe(Peer& peer, Clock::time_point now, const sockaddr_in* to, int fd)
{
    if (!to) {
        // Until the first answer on this path (the peer may not have installed its session yet),
        // probe every second; then every ProbeInterval.
        const bool answered = peer.counters->rttUs.load(std::memory_order_relaxed) >= 0;
        peer.nextProbe = now + (answered ? Clock::duration(ProbeInterval) : Clock::duration(std::chrono::seconds(1)));
        if (!peer.viaStream && peer.session->destination().sin_port == 0)
            return; // no path yet: nothing to measure
    }
    std::uint8_t payload[ProbeBytes];
    const auto sentNs = std::uint64_t(packetpath::nanoseconds(now));
    for (std::size_t i = 0; i < ProbeBytes; ++i)
        payload[i] = std::uint8_t(sentNs >> (56 - 8 * i));
    sendSmall(peer, PacketType::Probe, payload, to, now, fd);
}

} // namespace pvc::core
