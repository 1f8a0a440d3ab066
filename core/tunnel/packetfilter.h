#pragma once

#include <QStringView>
#include <cstddef>
#include <cstdint>

// The data plane's policy hook: asked once per packet, on the data-plane thread, after the tunnel
// authenticated the peer (inbound) or chose it by destination (outbound). The packet is one IPv4
// packet whose header the data plane checked for size and version. Returning false drops it.
//
// Implementations must not block and should not allocate: they run on the packet path. The
// stateful policy (tunnel/conntrack.h) plugs in here.
namespace pvc::core {

// The peer a packet goes to or came from.
struct PeerRef {
    std::uint32_t localIndex = 0; // our index for the session
    std::uint32_t virtualIp = 0; // the peer's virtual IP, host byte order
    QStringView name; // valid during the call only
};

class PacketFilter {
public:
    virtual ~PacketFilter() = default;
    virtual bool allowOutbound(const std::uint8_t* packet, std::size_t size, const PeerRef& peer) = 0;
    virtual bool allowInbound(const std::uint8_t* packet, std::size_t size, const PeerRef& peer) = 0;
};

class AllowAllFilter final : public PacketFilter {
public:
    bool allowOutbound(const std::uint8_t*, std::size_t, const PeerRef&) override { return true; }
    bool allowInbound(const std::uint8_t*, std::size_t, const PeerRef&) override { return true; }
};

} // namespace pvc::core
