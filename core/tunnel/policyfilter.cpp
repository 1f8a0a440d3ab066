#include "tunnel/policyfilter.h"

#include "tunnel/ippacket.h"

#include <chrono>

namespace pvc::core {

namespace {
quint64 nowMs()
{
    using namespace std::chrono;
    return quint64(duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
}
} // namespace

PolicyFilter::PolicyFilter(quint32 localAddress, Endpoint local)
    : m_conntrack(localAddress, std::move(local))
    , m_peers(std::make_shared<const PeerTable>())
{
}

void PolicyFilter::setPeer(quint32 virtualIp, Endpoint endpoint)
{
    // Copy on write: the packet path only ever reads a complete table.
    auto table = std::make_shared<PeerTable>(*m_peers.load());
    table->insert(virtualIp, std::move(endpoint));
    m_peers.store(std::move(table));
}

bool PolicyFilter::allowOutbound(const std::uint8_t* packet, std::size_t size, const PeerRef&)
{
    const IpPacketView view(packet, size);
    const quint64 now = nowMs();
    m_conntrack.outbound(view, now);
    if (now - m_lastExpiryMs > 10'000) {
        m_conntrack.expire(now);
        m_lastExpiryMs = now;
    }
    return true;
}

bool PolicyFilter::allowInbound(const std::uint8_t* packet, std::size_t size, const PeerRef& peer)
{
    const IpPacketView view(packet, size);
    const std::shared_ptr<const PeerTable> peers = m_peers.load();
    const auto it = peers->constFind(peer.virtualIp);
    const PeerIdentity identity { peer.virtualIp, it != peers->cend() ? *it : Endpoint {} };
    const bool pass = Conntrack::passes(m_conntrack.inbound(view, identity, nowMs()));
    if (!pass)
        m_refused.fetch_add(1, std::memory_order_relaxed);
    return pass;
}

} // namespace pvc::core
