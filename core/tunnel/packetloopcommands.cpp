// PacketLoop's command handling: what other threads ask of the loop (DataPlane's control calls),
// applied in order on the loop's thread between two batches, so that a packet never meets a peer,
// path or filter halfway through a change.
#include "tunnel/packetloop.h"

#include <QLoggingCategory>
#include <cerrno>
#include <cstring>
#include <sys/socket.h>

Q_DECLARE_LOGGING_CATEGORY(lcDataPlane)

namespace pvc::core {

void PacketLoop::apply(Command& command, Clock::time_point now)
{
    PeerTable::Peer* const peer = m_peers.find(command.index);
    switch (command.kind) {
    case Command::Kind::AddPeer:
        return m_sender.sendProbe(
            m_peers.add(command.index, std::move(command.session), std::move(command.counters), now), now);
    case Command::Kind::RemovePeer:
        m_sender.flush(); // queued datagrams may point into the session
        return removePeer(command.index);
    case Command::Kind::SetEndpoint:
        if (peer)
            setEndpoint(*peer, command, now);
        return;
    case Command::Kind::SetRelay:
        if (peer) {
            m_sender.flush(); // queued datagrams may point at the old prefix
            peer->session->setRelay(command.relay);
        }
        return;
    case Command::Kind::SetFilter:
        return setFilter(std::move(command.filter));
    case Command::Kind::SendRaw:
        return sendRaw(command);
    case Command::Kind::ProbeTo:
        if (peer && (command.socket < 0 || m_extraSockets.contains(command.socket)))
            m_sender.sendProbe(*peer, now, &command.address, command.socket);
        return;
    case Command::Kind::AddSocket:
        m_extraSockets.add(m_epollFd, command.socket, ExtraSocketTag | std::uint32_t(command.socket));
        return;
    case Command::Kind::RemoveSocket:
        return closeExtraSocket(command.socket);
    case Command::Kind::Inject:
        return m_inbound.inject(command.bytes, command.index, now);
    }
}

void PacketLoop::setEndpoint(PeerTable::Peer& peer, const Command& command, Clock::time_point now)
{
    m_sender.flush();
    peer.session->setEndpoint(command.address, command.viaRelay);
    peer.viaStream = command.viaStream;
    peer.socket = m_extraSockets.contains(command.socket) ? command.socket : -1;
    peer.counters->rttUs.store(-1, std::memory_order_relaxed);
    m_sender.sendProbe(peer, now);
}

void PacketLoop::setFilter(std::shared_ptr<PacketFilter> filter)
{
    m_outbound.setFilter(filter);
    m_inbound.setFilter(std::move(filter));
}

void PacketLoop::sendRaw(const Command& command)
{
    if (::sendto(m_udpFd, command.bytes.constData(), std::size_t(command.bytes.size()), MSG_DONTWAIT,
            reinterpret_cast<const sockaddr*>(&command.address), sizeof(sockaddr_in))
        < 0)
        qCDebug(lcDataPlane, "sendRaw: %s", std::strerror(errno));
}

void PacketLoop::removePeer(quint32 index)
{
    const int orphanedSocket = m_peers.remove(index);
    if (orphanedSocket >= 0)
        closeExtraSocket(orphanedSocket);
}

void PacketLoop::closeExtraSocket(int fd)
{
    if (!m_extraSockets.contains(fd))
        return;
    m_peers.detachSocket(fd); // back to the main socket; path selection will notice the silence
    m_extraSockets.close(m_epollFd, fd);
}

} // namespace pvc::core
