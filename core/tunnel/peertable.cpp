#include "tunnel/peertable.h"

namespace pvc::core {

PeerTable::Peer& PeerTable::add(quint32 index, std::unique_ptr<TunnelSession> session,
    std::shared_ptr<PeerCounters> counters, Clock::time_point now)
{
    Peer& added = m_peers[index];
    added = { std::move(session), std::move(counters), now };
    m_routes[added.session->virtualIp()] = &added;
    return added;
}

int PeerTable::remove(quint32 index)
{
    const auto it = m_peers.find(index);
    if (it == m_peers.end())
        return -1;
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
    if (socket < 0)
        return -1;
    for (const auto& [otherIndex, other] : m_peers) {
        if (other.socket == socket)
            return -1;
    }
    return socket;
}

void PeerTable::detachSocket(int fd)
{
    for (auto& [index, peer] : m_peers) {
        if (peer.socket == fd)
            peer.socket = -1; // back to the main socket; path selection will notice the silence
    }
}

} // namespace pvc::core
