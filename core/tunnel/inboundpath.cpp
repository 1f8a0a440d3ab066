#include "tunnel/inboundpath.h"

#include "tunnel/packetpath.h"

#include <cerrno>
#include <cstring>
#include <unistd.h>

namespace pvc::core {

namespace {

using namespace packetpath;

constexpr std::size_t SlotBytes = datapacket::MaxDatagramBytes + 1; // one more, to see oversize

std::uint64_t packAddress(const sockaddr_in& address)
{
    return std::uint64_t(ntohl(address.sin_addr.s_addr)) << 16 | ntohs(address.sin_port);
}

// One IPv4 packet exactly (RFC 791): the TUN device and our peers never pad.
bool isWellFormedIpv4(const std::uint8_t* packet, std::size_t size)
{
    if (size < Ipv4HeaderBytes || packet[0] >> 4 != 4)
        return false;
    const std::size_t headerLength = std::size_t(packet[0] & 0x0f) * 4;
    const std::size_t totalLength = std::size_t(packet[2]) << 8 | packet[3];
    return headerLength >= Ipv4HeaderBytes && headerLength <= size && totalLength == size;
}

} // namespace

InboundPath::InboundPath(int tunFd, int udpFd, PeerTable& peers, PeerSender& sender, DropCounters& drops,
    ForeignHandler onForeignDatagram, std::shared_ptr<PacketFilter> filter)
    : m_tunFd(tunFd)
    , m_udpFd(udpFd)
    , m_peers(peers)
    , m_sender(sender)
    , m_drops(drops)
    , m_onForeignDatagram(std::move(onForeignDatagram))
    , m_filter(std::move(filter))
    , m_batch(SlotBytes)
    , m_injectBuffer(new std::uint8_t[SlotBytes])
{
}

void InboundPath::pump(int fd, Clock::time_point now)
{
    const int received = m_batch.receive(fd);
    for (int i = 0; i < received; ++i) {
        if (m_batch.truncated(i) || m_batch.receivedSize(i) > datapacket::MaxDatagramBytes) {
            m_drops.add(DropReason::TooLarge);
            continue;
        }
        handleDatagram(m_batch.slot(i), m_batch.receivedSize(i), &m_batch.source(i), fd == m_udpFd ? -1 : fd, 0, now);
    }
    m_sender.flush();
}

void InboundPath::inject(const QByteArray& bytes, quint32 hint, Clock::time_point now)
{
    const std::size_t size = std::size_t(bytes.size());
    if (size > datapacket::MaxDatagramBytes)
        return m_drops.add(DropReason::TooLarge);
    // A private copy: opening in place must not write into the caller's (shared) bytes.
    std::memcpy(m_injectBuffer.get(), bytes.constData(), size);
    handleDatagram(m_injectBuffer.get(), size, nullptr, -1, hint, now);
}

void InboundPath::handleDatagram(
    std::uint8_t* data, std::size_t size, const sockaddr_in* from, int fd, quint32 hint, Clock::time_point now)
{
    if (!datapacket::isTunnelDatagram(data, size)) {
        // Injected datagrams come from a relay and must be tunnel datagrams; extra sockets serve
        // hole punching only.
        if (!from || fd >= 0)
            return m_drops.add(DropReason::BadHeader);
        bump(m_foreignDatagrams);
        if (m_onForeignDatagram)
            m_onForeignDatagram(QByteArray(reinterpret_cast<const char*>(data), qsizetype(size)), *from);
        return;
    }
    DataPacket packet;
    const datapacket::ParseError error = datapacket::parse(data, size, &packet);
    if (error != datapacket::ParseError::None)
        return m_drops.add(error == datapacket::ParseError::TooLarge ? DropReason::TooLarge : DropReason::BadHeader);
    Peer* const peer = m_peers.find(packet.header.receiverIndex);
    if (!peer)
        return m_drops.add(DropReason::UnknownIndex);
    if (hint != 0 && hint != packet.header.receiverIndex)
        return peer->counters->drops.add(DropReason::RelayMismatch);

    // Open in place: the plaintext overwrites the ciphertext, right after the header.
    std::uint8_t* plain = data + datapacket::HeaderBytes;
    std::size_t plainSize = 0;
    const TunnelSession::Status status = peer->session->open(packet, { plain, packet.sealed.size() }, &plainSize, now);
    if (status != TunnelSession::Status::Ok)
        return peer->counters->drops.add(dropFor(status));
    PeerCounters& counters = *peer->counters;
    bump(counters.packetsIn);
    bump(counters.bytesIn, size);
    counters.lastReceivedNs.store(nanoseconds(now), std::memory_order_relaxed);
    if (from) {
        counters.lastDirectSource.store(packAddress(*from), std::memory_order_relaxed);
        counters.lastDirectReceivedNs.store(nanoseconds(now), std::memory_order_relaxed);
        counters.lastDirectSocket.store(fd, std::memory_order_relaxed);
    }
    handleOpened(*peer, packet.header.type, plain, plainSize, from, fd, now);
}

void InboundPath::handleOpened(Peer& peer, PacketType type, std::uint8_t* plain, std::size_t size,
    const sockaddr_in* from, int fd, Clock::time_point now)
{
    constexpr std::size_t ProbeBytes = PeerSender::ProbeBytes;
    switch (type) {
    case PacketType::Data:
        return deliver(peer, plain, size);
    case PacketType::Keepalive:
        return;
    case PacketType::Probe:
        // Answer where the probe came from, so a probe over a new path proves that path both ways.
        if (size == ProbeBytes)
            m_sender.sendSmall(peer, PacketType::ProbeReply, { plain, size }, from, now, fd);
        return;
    case PacketType::ProbeReply: {
        if (size != ProbeBytes)
            return;
        std::uint64_t sentNs = 0;
        for (std::size_t i = 0; i < ProbeBytes; ++i)
            sentNs = sentNs << 8 | plain[i];
        const std::int64_t rttNs = nanoseconds(now) - std::int64_t(sentNs);
        if (rttNs >= 0 && rttNs < std::int64_t(60'000'000'000))
            peer.counters->rttUs.store(rttNs / 1000, std::memory_order_relaxed);
        return;
    }
    }
}

void InboundPath::deliver(Peer& peer, const std::uint8_t* packet, std::size_t size)
{
    if (!isWellFormedIpv4(packet, size))
        return peer.counters->drops.add(DropReason::MalformedInner);
    // The session authenticated the peer; its certificate binds it to one virtual IP.
    if (readU32(packet + 12) != peer.session->virtualIp())
        return peer.counters->drops.add(DropReason::SpoofedSource);
    if (!m_filter->allowInbound(packet, size, peerRef(*peer.session)))
        return peer.counters->drops.add(DropReason::FilteredIn);
    ssize_t written;
    do
        written = ::write(m_tunFd, packet, size);
    while (written < 0 && errno == EINTR);
    if (written != ssize_t(size))
        peer.counters->drops.add(DropReason::TunWriteFailed);
}

} // namespace pvc::core
