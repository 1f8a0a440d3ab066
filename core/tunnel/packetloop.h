#pragma once

#include "common/result.h"
#include "tunnel/extrasockets.h"
#include "tunnel/housekeeping.h"
#include "tunnel/inboundpath.h"
#include "tunnel/outboundpath.h"
#include "tunnel/packetloopcommand.h"
#include "tunnel/peersender.h"
#include "tunnel/peertable.h"
#include "tunnel/tunnelstats.h"

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

// The data-plane thread behind DataPlane (tunnel/dataplane.h): the epoll loop over the TUN, the
// UDP socket(s) and an eventfd, which hands each ready descriptor to its part: the outbound path
// (TUN -> UDP), the inbound path (UDP -> TUN), the timers (Housekeeping), all sharing the peer
// table and the small sends (PeerSender). Other threads reach it only through post(); everything
// else here belongs to the loop's thread.
namespace pvc::core {

class PacketLoop {
public:
    using Clock = TunnelSession::Clock;
    using ForeignHandler = InboundPath::ForeignHandler;
    using StreamHandler = PeerSender::StreamHandler;
    using Command = PacketLoopCommand;

    static constexpr auto KeepaliveInterval = Housekeeping::KeepaliveInterval;
    static constexpr auto ProbeInterval = PeerSender::ProbeInterval;
    static constexpr int MaxExtraSockets = ExtraSockets::MaxCount; // birthday probing (TunnelManager)

    PacketLoop(int tunFd, int udpFd, ForeignHandler onForeignDatagram, StreamHandler onStreamDatagram,
        std::shared_ptr<PacketFilter> filter);
    ~PacketLoop(); // stop()
    PacketLoop(const PacketLoop&) = delete;
    PacketLoop& operator=(const PacketLoop&) = delete;

    bool start(Error* error);
    void stop();
    // Any thread; applied in order on the loop's thread (also those posted before start()).
    void post(Command command);

    // Drops no session could be charged with, and datagrams handed to onForeignDatagram.
    DropCounts drops() const { return m_drops.snapshot(); }
    std::uint64_t foreignDatagrams() const { return m_inbound.foreignDatagrams(); }

private:
    // Epoll tags of the loop's file descriptors; an extra socket's tag is ExtraSocketTag | fd.
    enum EpollTag : std::uint32_t { ControlTag, TunTag, UdpTag, ExtraSocketTag = 0x80000000u };
    static constexpr int MaxEvents = 16;
    struct Ready {
        bool control = false;
        bool tun = false;
        bool udp = false;
        int extra[MaxEvents];
        int extraCount = 0;
    };

    void run();
    Ready waitForEvents();
    void handleEvents(const Ready& ready);

    void applyCommands(Clock::time_point now);
    // packetloopcommands.cpp: one command, on the loop's thread.
    void apply(Command& command, Clock::time_point now);
    void setEndpoint(PeerTable::Peer& peer, const Command& command, Clock::time_point now);
    void setFilter(std::shared_ptr<PacketFilter> filter);
    void sendRaw(const Command& command);
    void removePeer(quint32 index);
    void closeExtraSocket(int fd);

    const int m_tunFd;
    const int m_udpFd;
    int m_eventFd = -1;
    int m_epollFd = -1;
    std::thread m_thread;
    std::atomic<bool> m_stopping { false };

    std::mutex m_mutex; // guards m_commands only
    std::vector<Command> m_commands;

    DropCounters m_drops;

    // The loop's thread only.
    PeerTable m_peers;
    PeerSender m_sender;
    OutboundPath m_outbound;
    InboundPath m_inbound;
    Housekeeping m_housekeeping;
    ExtraSockets m_extraSockets; // owned: closed when removed or at the end
};

} // namespace pvc::core
