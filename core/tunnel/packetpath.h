#pragma once

#include "tunnel/packetfilter.h"
#include "tunnel/tunnelsession.h"
#include "tunnel/tunnelstats.h"

#include <chrono>
#include <cstdint>

// Small helpers the packet loop's parts share (outbound, inbound, small sends): inline, as they run
// once per packet.
namespace pvc::core::packetpath {

constexpr std::size_t Ipv4HeaderBytes = 20;

inline std::uint32_t readU32(const std::uint8_t* p)
{
    return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | std::uint32_t(p[3]);
}

inline std::int64_t nanoseconds(TunnelSession::Clock::time_point time)
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
}

inline DropReason dropFor(TunnelSession::Status status)
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

inline PeerRef peerRef(const TunnelSession& session)
{
    return { session.localIndex(), session.virtualIp(), session.name() };
}

} // namespace pvc::core::packetpath
