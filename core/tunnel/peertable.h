#pragma once

#include "tunnel/tunnelsession.h"
#include "tunnel/tunnelstats.h"

#include <memory>
#include <unordered_map>

// The packet loop's peers (its thread only): each session by our local index, for what arrives, and
// by the peer's virtual IP, for what leaves. Lookups are inline and allocate nothing; only adding a
// peer does.
namespace pvc::core {

class PeerTable {
public:
    using Clock = TunnelSession::Clock;

    struct Peer {
        std::unique_ptr<TunnelSession> session;
        std::shared_ptr<PeerCounters> counters;
        Clock::time_point nextProbe;
        int socket = -1; // the extra socket the direct path uses; -1: the main one
        bool viaStream = false;
    };

    // A peer with the virtual IP of an existing one takes over its route (make-before-break).
    Peer& add(quint32 index, std::unique_ptr<TunnelSession> session, std::shared_ptr<PeerCounters> counters,
        Clock::time_point now);
    // Returns the extra socket the removed peer used if no other peer uses it (the caller closes
    // it), else -1.
    int remove(quint32 index);
    // Every peer on socket fd goes back to the main socket.
    void detachSocket(int fd);

    Peer* find(quint32 index)
    {
        const auto it = m_peers.find(index);
        return it == m_peers.end() ? nullptr : &it->second;
    }
    Peer* route(quint32 virtualIp)
    {
        const auto it = m_routes.find(virtualIp);
        return it == m_routes.end() ? nullptr : it->second;
    }
    template <typename Function> void forEach(Function function)
    {
        for (auto& [index, peer] : m_peers)
            function(peer);
    }

private:
    std::unordered_map<quint32, Peer> m_peers; // by local index
    std::unordered_map<quint32, Peer*> m_routes; // by the peer's virtual IP
};

} // namespace pvc::core
