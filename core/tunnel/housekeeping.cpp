#include "tunnel/housekeeping.h"

#include <algorithm>

namespace pvc::core {

Housekeeping::Housekeeping(PeerTable& peers, PeerSender& sender)
    : m_peers(peers)
    , m_sender(sender)
{
}

int Housekeeping::waitMs(Clock::time_point now) const
{
    // Rounded up: a wait truncated to 0 ms would spin until the deadline.
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(m_next - now);
    return int(std::clamp<std::int64_t>(wait.count(), 0, 1000));
}

void Housekeeping::runIfDue(Clock::time_point now)
{
    if (now < m_next)
        return;
    run(now);
    m_next = now + Interval;
}

void Housekeeping::run(Clock::time_point now)
{
    m_peers.forEach([this, now](PeerTable::Peer& peer) {
        if (peer.session->expired() || (!peer.viaStream && peer.session->destination().sin_port == 0))
            return;
        if (now >= peer.nextProbe)
            m_sender.sendProbe(peer, now);
        else if (now - peer.session->lastSent() >= KeepaliveInterval)
            m_sender.sendSmall(peer, PacketType::Keepalive, {}, nullptr, now);
    });
    m_sender.flush();
}

} // namespace pvc::core
