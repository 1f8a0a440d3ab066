#include "tunnel/packetloop.h"

#include <QLoggingCategory>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcDataPlane, "pvc.tunnel", QtInfoMsg)

namespace pvc::core {

namespace {

using Clock = PacketLoop::Clock;
using namespace std::chrono_literals;

constexpr std::size_t BigSlotBytes = datapacket::MaxDatagramBytes + 1; // one more, to see oversize
constexpr std::size_t SmallSlotBytes = 64; // keepalives, probes and replies
constexpr std::size_t ProbeBytes = 8;
constexpr std::size_t Ipv4HeaderBytes = 20;
constexpr auto HousekeepingInterval = 1s;

std::uint32_t readU32(const std::uint8_t* p)
{
    return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | std::uint32_t(p[3]);
}

std::int64_t nanoseconds(Clock::time_point time)
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
}

std::uint64_t packAddress(const sockaddr_in& address)
{
    return std::uint64_t(ntohl(address.sin_addr.s_addr)) << 16 | ntohs(address.sin_port);
}

DropReason dropFor(TunnelSession::Status status)
{
    switch (status) {
    case TunnelSession::Status::Expired:
        return DropReason::Expired;
    case TunnelSession::Status::BadEpoch:
        return DropReason::BadEpoch;
    case TunnelSession::Status::Replay:
        return DropReason::Replay;
    case TunnelSession::Status::Decrypt:
        return DropReason::Decrypt;
    case TunnelSession::Status::Ok:
    case TunnelSession::Status::NoRoom:
        break;
    }
    return DropReason::TooLarge;
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

PeerRef peerRef(const TunnelSession& session)
{
    return { session.localIndex(), session.virtualIp(), session.name() };
}

void wake(int eventFd)
{
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t written = ::write(eventFd, &one, sizeof one);
}

} // namespace

PacketLoop::PacketLoop(int tunFd, int udpFd, ForeignHandler onForeignDatagram, StreamHandler onStreamDatagram,
    std::shared_ptr<PacketFilter> filter)
    : m_tunFd(tunFd)
    , m_udpFd(udpFd)
    , m_onForeignDatagram(std::move(onForeignDatagram))
    , m_onStreamDatagram(std::move(onStreamDatagram))
    , m_eventFd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC))
    , m_filter(filter ? std::move(filter) : std::make_shared<AllowAllFilter>())
    , m_tunBatch(BigSlotBytes + datapacket::HeaderBytes + datapacket::TagBytes)
    , m_udpBatch(BigSlotBytes)
    , m_smallBatch(SmallSlotBytes)
    , m_injectBuffer(new std::uint8_t[BigSlotBytes])
{
}

PacketLoop::~PacketLoop()
{
    stop();
    if (m_eventFd >= 0)
        ::close(m_eventFd);
}

bool PacketLoop::start(Error* error)
{
    auto fail = [error](const char* code, const QString& detail) {
        if (error)
            *error = makeError(code, detail);
        qCWarning(lcDataPlane, "cannot start the data plane: %s", qPrintable(detail));
        return false;
    };
    auto systemError = [](const char* what) {
        return QStringLiteral("%1: %2").arg(QLatin1String(what), QString::fromLocal8Bit(std::strerror(errno)));
    };
    if (m_thread.joinable() || m_epollFd >= 0)
        return fail("tunnel.bad_argument", QStringLiteral("already started"));
    if (m_tunFd < 0 || m_udpFd < 0)
        return fail("tunnel.bad_argument", QStringLiteral("no TUN or UDP file descriptor"));
    if (m_eventFd < 0)
        return fail("tunnel.system", systemError("eventfd"));
    m_epollFd = ::epoll_create1(EPOLL_CLOEXEC);
    if (m_epollFd < 0)
        return fail("tunnel.system", systemError("epoll_create1"));
    for (const auto& [fd, tag] :
        { std::pair { m_eventFd, ControlTag }, std::pair { m_tunFd, TunTag }, std::pair { m_udpFd, UdpTag } }) {
        epoll_event event {};
        event.events = EPOLLIN; // level-triggered: a batch left over wakes us again
        event.data.u32 = tag;
        if (::epoll_ctl(m_epollFd, EPOLL_CTL_ADD, fd, &event) != 0) {
            const QString detail = systemError("epoll_ctl");
            ::close(m_epollFd);
            m_epollFd = -1;
            return fail("tunnel.system", detail);
        }
    }
    m_thread = std::thread([this] { run(); });
    return true;
}

void PacketLoop::stop()
{
    m_stopping = true;
    if (m_eventFd >= 0)
        wake(m_eventFd);
    if (m_thread.joinable())
        m_thread.join();
    if (m_epollFd >= 0) {
        ::close(m_epollFd);
        m_epollFd = -1;
    }
    for (const int fd : m_extraSockets)
        ::close(fd);
    m_extraSockets.clear();
}

void PacketLoop::post(Command command)
{
    {
        const std::lock_guard lock(m_mutex);
        m_commands.push_back(std::move(command));
    }
    wake(m_eventFd);
}

// ---- Everything below runs on the loop's thread. ----

void PacketLoop::run()
{
    pthread_setname_np(pthread_self(), "pvc-dataplane");
    constexpr int MaxEvents = 16;
    epoll_event events[MaxEvents];
    Clock::time_point nextHousekeeping = Clock::now() + HousekeepingInterval;
    applyCommands(Clock::now()); // anything posted before start()
    while (!m_stopping.load(std::memory_order_relaxed)) {
        // Rounded up: a wait truncated to 0 ms would spin until the deadline.
        const auto wait = std::chrono::ceil<std::chrono::milliseconds>(nextHousekeeping - Clock::now());
        const int ready
            = ::epoll_wait(m_epollFd, events, MaxEvents, int(std::clamp<std::int64_t>(wait.count(), 0, 1000)));
        if (ready < 0 && errno != EINTR) {
            qCWarning(lcDataPlane, "epoll_wait: %s", std::strerror(errno));
            std::this_thread::sleep_for(10ms);
        }
        bool control = false;
        bool tun = false;
        bool udp = false;
        int extra[MaxEvents];
        int extraCount = 0;
        for (int i = 0; i < ready; ++i) {
            if (events[i].data.u32 & ExtraSocketTag) {
                extra[extraCount++] = int(events[i].data.u32 & ~ExtraSocketTag);
                continue;
            }
            control |= events[i].data.u32 == ControlTag;
            udp |= events[i].data.u32 == UdpTag;
            if (events[i].data.u32 == TunTag && (events[i].events & (EPOLLERR | EPOLLHUP))) {
                // A TUN that went away would wake us forever: stop listening to it.
                qCWarning(lcDataPlane, "the TUN device closed; no more outbound packets");
                ::epoll_ctl(m_epollFd, EPOLL_CTL_DEL, m_tunFd, nullptr);
            } else if (events[i].data.u32 == TunTag) {
                tun = true;
            }
        }
        // Commands first, so that a packet never meets a peer or filter the control side replaced.
        const Clock::time_point now = Clock::now();
        if (control) {
            std::uint64_t count = 0;
            [[maybe_unused]] const ssize_t drained = ::read(m_eventFd, &count, sizeof count);
            applyCommands(now);
        }
        if (udp)
            pumpUdp(m_udpFd, now);
        for (int i = 0; i < extraCount; ++i) {
            // Only sockets still ours: a command above may have closed one that was ready.
            if (std::find(m_extraSockets.begin(), m_extraSockets.end(), extra[i]) != m_extraSockets.end())
                pumpUdp(extra[i], now);
        }
        if (tun)
            pumpTun(now);
        if (now >= nextHousekeeping) {
            housekeeping(now);
            nextHousekeeping = now + HousekeepingInterval;
        }
    }
}

void PacketLoop::applyCommands(Clock::time_point now)
{
    std::vector<Command> pending;
    {
        const std::lock_guard lock(m_mutex);
        pending.swap(m_commands);
    }
    for (Command& command : pending)
        apply(command, now);
    m_smallBatch.flush(m_udpFd);
}

void PacketLoop::sendAside(Peer& peer, int fd, std::span<const std::uint8_t> datagram, const sockaddr_in* to)
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

void PacketLoop::pumpTun(Clock::time_point now)
{
    for (int i = 0; i < DatagramBatch::Capacity; ++i) {
        std::uint8_t* datagram = m_tunBatch.slot(i);
        // Read past the largest payload we can seal, to see (and drop) a packet that is too large.
        const ssize_t size = ::read(m_tunFd, datagram + datapacket::HeaderBytes, datapacket::MaxPayloadBytes + 1);
        if (size < 0 && errno == EINTR) {
            --i;
            continue;
        }
        if (size <= 0)
            break; // drained (EAGAIN), or an error the next wake-up will see again
        handleOutbound(datagram, std::size_t(size), now);
    }
    m_tunBatch.flush(m_udpFd);
}

void PacketLoop::handleOutbound(std::uint8_t* datagram, std::size_t packetSize, Clock::time_point now)
{
    const std::uint8_t* packet = datagram + datapacket::HeaderBytes;
    if (packetSize > datapacket::MaxPayloadBytes)
        return m_drops.add(DropReason::TooLarge);
    if (packetSize < Ipv4HeaderBytes || packet[0] >> 4 != 4)
        return m_drops.add(DropReason::NotIpv4);
    const auto route = m_routes.find(readU32(packet + 16));
    if (route == m_routes.end())
        return m_drops.add(DropReason::NoRoute);
    Peer& peer = *route->second;
    if (!m_filter->allowOutbound(packet, packetSize, peerRef(*peer.session)))
        return peer.counters->drops.add(DropReason::FilteredOut);
    std::size_t size = 0;
    if (!seal(peer, PacketType::Data, { packet, packetSize }, { datagram, m_tunBatch.slotBytes() }, &size, now))
        return;
    if (peer.viaStream || peer.socket >= 0)
        sendAside(peer, peer.socket, { datagram, size }, nullptr);
    else
        m_tunBatch.queue(peer.session->prefix(), { datagram, size }, peer.session->destination(), peer.counters.get());
}

bool PacketLoop::seal(Peer& peer, PacketType type, std::span<const std::uint8_t> payload, std::span<std::uint8_t> out,
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
    peer.counters->drops.add(dropFor(status));
    return false;
}

void PacketLoop::pumpUdp(int fd, Clock::time_point now)
{
    const int received = m_udpBatch.receive(fd);
    for (int i = 0; i < received; ++i) {
        if (m_udpBatch.truncated(i) || m_udpBatch.receivedSize(i) > datapacket::MaxDatagramBytes) {
            m_drops.add(DropReason::TooLarge);
            continue;
        }
        handleDatagram(
            m_udpBatch.slot(i), m_udpBatch.receivedSize(i), &m_udpBatch.source(i), fd == m_udpFd ? -1 : fd, 0, now);
    }
    m_smallBatch.flush(m_udpFd);
}

void PacketLoop::handleDatagram(
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
    const auto it = m_peers.find(packet.header.receiverIndex);
    if (it == m_peers.end())
        return m_drops.add(DropReason::UnknownIndex);
    Peer& peer = it->second;
    if (hint != 0 && hint != packet.header.receiverIndex)
        return peer.counters->drops.add(DropReason::RelayMismatch);

    // Open in place: the plaintext overwrites the ciphertext, right after the header.
    std::uint8_t* plain = data + datapacket::HeaderBytes;
    std::size_t plainSize = 0;
    const TunnelSession::Status status = peer.session->open(packet, { plain, packet.sealed.size() }, &plainSize, now);
    if (status != TunnelSession::Status::Ok)
        return peer.counters->drops.add(dropFor(status));
    bump(peer.counters->packetsIn);
    bump(peer.counters->bytesIn, size);
    peer.counters->lastReceivedNs.store(nanoseconds(now), std::memory_order_relaxed);
    if (from) {
        peer.counters->lastDirectSource.store(packAddress(*from), std::memory_order_relaxed);
        peer.counters->lastDirectReceivedNs.store(nanoseconds(now), std::memory_order_relaxed);
        peer.counters->lastDirectSocket.store(fd, std::memory_order_relaxed);
    }
    handleOpened(peer, packet.header.type, plain, plainSize, from, fd, now);
}

void PacketLoop::handleOpened(Peer& peer, PacketType type, std::uint8_t* plain, std::size_t size,
    const sockaddr_in* from, int fd, Clock::time_point now)
{
    switch (type) {
    case PacketType::Data:
        return deliver(peer, plain, size);
    case PacketType::Keepalive:
        return;
    case PacketType::Probe:
        // Answer where the probe came from, so a probe over a new path proves that path both ways.
        if (size == ProbeBytes)
            sendSmall(peer, PacketType::ProbeReply, { plain, size }, from, now, fd);
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

void PacketLoop::deliver(Peer& peer, const std::uint8_t* packet, std::size_t size)
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

void PacketLoop::sendSmall(Peer& peer, PacketType type, std::span<const std::uint8_t> payload, const sockaddr_in* to,
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

void PacketLoop::sendProbe(Peer& peer, Clock::time_point now, const sockaddr_in* to, int fd)
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
    const auto sentNs = std::uint64_t(nanoseconds(now));
    for (std::size_t i = 0; i < ProbeBytes; ++i)
        payload[i] = std::uint8_t(sentNs >> (56 - 8 * i));
    sendSmall(peer, PacketType::Probe, payload, to, now, fd);
}

void PacketLoop::housekeeping(Clock::time_point now)
{
    for (auto& [index, peer] : m_peers) {
        if (peer.session->expired() || (!peer.viaStream && peer.session->destination().sin_port == 0))
            continue;
        if (now >= peer.nextProbe)
            sendProbe(peer, now);
        else if (now - peer.session->lastSent() >= KeepaliveInterval)
            sendSmall(peer, PacketType::Keepalive, {}, nullptr, now);
    }
    m_smallBatch.flush(m_udpFd);
}

} // namespace pvc::core
