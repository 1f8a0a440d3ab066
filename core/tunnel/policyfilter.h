#pragma once

#include "tunnel/conntrack.h"
#include "tunnel/packetfilter.h"

#include <QHash>
#include <atomic>
#include <memory>

namespace pvc::core {

// The data plane's filter: stateful policy (Conntrack) with the peer's name and groups from its
// membership certificate. Outbound traffic is always allowed and opens flows; inbound traffic
// passes as a reply to such a flow or as a new flow the policy allows. Default deny inbound.
class PolicyFilter final : public PacketFilter {
public:
    PolicyFilter(quint32 localAddress, Endpoint local);

    // Any thread.
    void setPolicy(std::shared_ptr<const PolicySet> policy) { m_conntrack.setPolicy(std::move(policy)); }
    void setPeer(quint32 virtualIp, Endpoint endpoint);

    // Data-plane thread.
    bool allowOutbound(const std::uint8_t* packet, std::size_t size, const PeerRef& peer) override;
    bool allowInbound(const std::uint8_t* packet, std::size_t size, const PeerRef& peer) override;

    std::uint64_t refused() const { return m_refused.load(std::memory_order_relaxed); }

private:
    using PeerTable = QHash<quint32, Endpoint>;
    Conntrack m_conntrack;
    std::atomic<std::shared_ptr<const PeerTable>> m_peers;
    std::atomic<std::uint64_t> m_refused { 0 };
    quint64 m_lastExpiryMs = 0;
};

} // namespace pvc::core
