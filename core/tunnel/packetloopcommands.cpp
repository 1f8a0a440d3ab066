// PacketLoop's command handling: what other threads ask of the loop (DataPlane's control calls),
// applied in order on the loop's thread between two batches, so that a packet never meets a peer,
// path or filter halfway through a change.
#include "tunnel/packetloop.h"

#include <QLoggingCategory>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sys/epoll.h>
#include <unistd.h>

Q_DECLARE_LOGGING_CATEGORY(lcDataPlane)

namespace pvc::core {

void PacketLoop::apply(Command& command, Clock::time_point now)
{
    const auto it = m_peers.find(command.index);
    Peer* peer = it == m_peers.end() ? nullptr : &it->second;
    switch (command.kind) {
    case Command::Kind::AddPeer:
        return addPeer(command, now);
    case Command::Kind::RemovePeer:
        m_smallBatch.flush(m_udpFd); // queued datagrams may point into the session
        return removeSession(command.index);
    case Command::Kind::SetEndpoint:
        if (peer)
            setEndpoint(*peer, command, now);
        return;
    case Command::Kind::SetRelay:
        if (peer) {
            m_smallBatch.flush(m_udpFd); // queued datagrams may point at the old prefix
            peer->session->setRelay(command.relay);
        }
        return;
    case Command::Kind::SetFilter:
        m_filter = std::move(command.filter);
        return;
    case Command::Kind::SendRaw:
        return sendRaw(command);
    case Command::Kind::ProbeTo:
        if (peer && (command.socket < 0 || isExtraSocket(command.socket)))
            sendProbe(*peer, now, &command.address, command.socket);
        return;
    case Command::Kind::AddSocket:
        return addSocket(command.socket);
    case Command::Kind::RemoveSocket:
        return closeExtraSocket(command.socket);
    case Command::Kind::Inject:
        return inject(command, now);
    }
}

void PacketLoop::addPeer(Command& command, Clock::time_point now)
{
    Peer& added = m_peers[command.index];
    added = { std::move(command.session), std::move(command.counters), now };
    m_routes[added.session->virtualIp()] = &added;
    sendProbe(added, now);
}

void PacketLoop::setEndpoint(Peer& peer, const Command& command, Clock::time_point now)
{
    m_smallBatch.flush(m_udpFd);
    peer.session->setEndpoint(command.address, command.viaRelay);
    peer.viaStream = command.viaStream;
    peer.socket = isExtraSocket(command.socket) ? command.socket : -1;
    peer.counters->rttUs.store(-1, std::memory_order_relaxed);
    sendProbe(peer, now);
}

void PacketLoop::sendRaw(const Command& command)
{
    if (::sendto(m_udpFd, command.bytes.constData(), std::size_t(command.bytes.size()), MSG_DONTWAIT,
            reinterpret_cast<const sockaddr*>(&command.address), sizeof(sockaddr_in))
        < 0)
        qCDebug(lcDataPlane, "sendRaw: %s", std::strerror(errno));
}

bool PacketLoop::isExtraSocket(int fd) const
{
    return std::find(m_extraSockets.begin(), m_extraSockets.end(), fd) != m_extraSockets.end();
}

void PacketLoop::addSocket(int fd)
{
    epoll_event event {};
    event.events = EPOLLIN;
    event.data.u32 = ExtraSocketTag | std::uint32_t(fd);
    if (fd < 0 || m_extraSockets.size() >= std::size_t(MaxExtraSockets)
        || ::epoll_ctl(m_epollFd, EPOLL_CTL_ADD, fd, &event) != 0) {
        if (fd >= 0)
            ::close(fd);
        return;
    }
    m_extraSockets.push_back(fd);
}

void PacketLoop::inject(const Command& command, Clock::time_point now)
{
    const std::size_t size = std::size_t(command.bytes.size());
    if (size > datapacket::MaxDatagramBytes)
        return m_drops.add(DropReason::TooLarge);
    // A private copy: opening in place must not write into the caller's (shared) bytes.
    std::memcpy(m_injectBuffer.get(), command.bytes.constData(), size);
    handleDatagram(m_injectBuffer.get(), size, nullptr, -1, command.index, now);
}

void PacketLoop::removeSession(quint32 index)
{
    const auto it = m_peers.find(index);
    if (it == m_peers.end())
        return;
    const quint32 virtualIp = it->second.session->virtualIp();
    const auto route = m_routes.find(virtualIp);
    if (route != m_routes.end() && route->second == &it->second) {
        m_routes.erase(route);
        // Another session for the same peer (made before this one broke) takes the route back.
        for (auto& [otherIndex, other] : m_peers) {
            if (otherIndex != index && other.session->virtualIp() == virtualIp)
                m_routes[virtualIp] = &other;
        }
    }
    const int socket = it->second.socket;
    m_peers.erase(it);
    if (socket >= 0) {
        bool shared = false;
        for (const auto& [otherIndex, other] : m_peers)
            shared |= other.socket == socket;
        if (!shared)
            closeExtraSocket(socket);
    }
}

void PacketLoop::closeExtraSocket(int fd)
{
    const auto it = std::find(m_extraSockets.begin(), m_extraSockets.end(), fd);
    if (it == m_extraSockets.end())
        return;
    for (auto& [index, peer] : m_peers)
        if (peer.socket == fd)
            peer.socket = -1; // back to the main socket; path selection will notice the silence
    ::epoll_ctl(m_epollFd, EPOLL_CTL_DEL, fd, nullptr);
    ::close(fd);
    m_extraSockets.erase(it);
}

} // namespace pvc::core
