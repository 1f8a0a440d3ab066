#pragma once

#include "tunnel/peersender.h"
#include "tunnel/peertable.h"

#include <chrono>

// The packet loop's timers: once a second, each peer with a path gets its due probe (round trip,
// PeerSender::ProbeInterval) or, if nothing else left for KeepaliveInterval, a keepalive. The
// packet loop's thread only.
namespace pvc::core {

class Housekeeping {
public:
    using Clock = TunnelSession::Clock;

    static constexpr auto Interval = std::chrono::seconds(1);
    static constexpr auto KeepaliveInterval = std::chrono::seconds(10); // if nothing else was sent

    Housekeeping(PeerTable& peers, PeerSender& sender);
    Housekeeping(const Housekeeping&) = delete;
    Housekeeping& operator=(const Housekeeping&) = delete;

    // The first round, an Interval from now.
    void schedule(Clock::time_point now) { m_next = now + Interval; }
    // How long the loop may wait for events before the next round, in milliseconds (0 to 1000).
    int waitMs(Clock::time_point now) const;
    // The round, if it is due; then the next one an Interval later.
    void runIfDue(Clock::time_point now);

private:
    void run(Clock::time_point now);

    PeerTable& m_peers;
    PeerSender& m_sender;
    Clock::time_point m_next;
};

} // namespace pvc::core
