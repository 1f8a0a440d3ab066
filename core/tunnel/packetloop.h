#pragma once

#include "common/result.h"
#include "tunnel/packetbatch.h"
#include "tunnel/packetfilter.h"
#include "tunnel/tunnelsession.h"
#include "tunnel/tunnelstats.h"

#include <QByteArray>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <netinet/in.h>
#include <thread>
#include <unordered_map>
#include <vector>

// The data-plane thread behind DataPlane (tunnel/dataplane.h): the epoll loop over the TUN, the
// UDP socket and an eventfd, the packet path in both directions, keepalives and probes. Other
// threads reach it only through post(); everything else here belongs to the loop's thread.
namespace pvc::core {

class PacketLoop {
public:
    using Clock = TunnelSession::Clock;
    using ForeignHandler = std::function<void(const QByteArray& datagram, const sockaddr_in& from)>;
    // Sealed datagrams of a peer whose path is a stream (the TCP relay): the owner carries them.
    using StreamHandler = std::function<void(quint32 localIndex, const QByteArray& datagram)>;

    static constexpr auto KeepaliveInterval = std::chrono::seconds(10); // if nothing else was sent
    static constexpr auto ProbeInterval = std::chrono::seconds(2); // and at once on a new path
    static constexpr int MaxExtraSockets = 512; // birthday probing of a symmetric NAT (TunnelManager)

    struct Command {
        enum class Kind {
            AddPeer,
            RemovePeer,
            SetEndpoint,
            SetRelay,
            SetFilter,
            SendRaw,
            Inject,
            ProbeTo,
            AddSocket,
            RemoveSocket
        };
        explicit Command(Kind what)
            : kind(what)
        {
        }
        Kind kind;
        quint32 index = 0; // the session's local index; Inject: the index hint
        std::unique_ptr<TunnelSession> session;
        std::shared_ptr<PeerCounters> counters;
        sockaddr_in address {};
        bool viaRelay = false;
        bool viaStream = false;
        int socket = -1; // SetEndpoint, ProbeTo: an extra socket (AddSocket) instead of the main one; -1: main
        RelayTarget relay;
        std::shared_ptr<PacketFilter> filter;
        QByteArray bytes;
    };

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
    std::uint64_t foreignDatagrams() const { return m_foreignDatagrams.load(std::memory_order_relaxed); }

private:
    struct Peer {
        std::unique_ptr<TunnelSession> session;
        std::shared_ptr<PeerCounters> counters;
        Clock::time_point nextProbe;
        int socket = -1; // the extra socket the direct path uses; -1: the main one
        bool viaStream = false;
    };

    void run();
    // Epoll tags of the loop's file descriptors; an extra socket's tag is ExtraSocketTag | fd.
    enum EpollTag : std::uint32_t { ControlTag, TunTag, UdpTag, ExtraSocketTag = 0x80000000u };

    void applyCommands(Clock::time_point now);
    // packetloopcommands.cpp: one command, on the loop's thread.
    void apply(Command& command, Clock::time_point now);
    void addPeer(Command& command, Clock::time_point now);
    void setEndpoint(Peer& peer, const Command& command, Clock::time_point now);
    void sendRaw(const Command& command);
    void addSocket(int fd);
    bool isExtraSocket(int fd) const;
    void inject(const Command& command, Clock::time_point now);
    void removeSession(quint32 index);
    void pumpTun(Clock::time_point now);
    void pumpUdp(int fd, Clock::time_point now);
    void handleOutbound(std::uint8_t* datagram, std::size_t packetSize, Clock::time_point now);
    void handleDatagram(
        std::uint8_t* data, std::size_t size, const sockaddr_in* from, int fd, quint32 hint, Clock::time_point now);
    void handleOpened(Peer& peer, PacketType type, std::uint8_t* plain, std::size_t size, const sockaddr_in* from,
        int fd, Clock::time_point now);
    // Sends one sealed datagram outside the batches: to: null for the peer's current path (its
    // stream, or its destination from socket fd), else directly to that address from socket fd.
    void sendAside(Peer& peer, int fd, std::span<const std::uint8_t> datagram, const sockaddr_in* to);
    void closeExtraSocket(int fd);
    void deliver(Peer& peer, const std::uint8_t* packet, std::size_t size);
    bool seal(Peer& peer, PacketType type, std::span<const std::uint8_t> payload, std::span<std::uint8_t> out,
        std::size_t* size, Clock::time_point now);
    // to: null for the peer's current path; otherwise directly to that address from socket fd (-1: main).
    void sendSmall(Peer& peer, PacketType type, std::span<const std::uint8_t> payload, const sockaddr_in* to,
        Clock::time_point now, int fd = -1);
    // to: a probe for another path than the current one (hole punching); it leaves the schedule alone.
    void sendProbe(Peer& peer, Clock::time_point now, const sockaddr_in* to = nullptr, int fd = -1);
    void housekeeping(Clock::time_point now);

    const int m_tunFd;
    const int m_udpFd;
    const ForeignHandler m_onForeignDatagram;
    const StreamHandler m_onStreamDatagram;
    int m_eventFd = -1;
    int m_epollFd = -1;
    std::thread m_thread;
    std::atomic<bool> m_stopping { false };

    std::mutex m_mutex; // guards m_commands only
    std::vector<Command> m_commands;

    DropCounters m_drops;
    std::atomic<std::uint64_t> m_foreignDatagrams { 0 };

    // The loop's thread only.
    std::unordered_map<quint32, Peer> m_peers; // by local index
    std::unordered_map<quint32, Peer*> m_routes; // by the peer's virtual IP
    std::shared_ptr<PacketFilter> m_filter;
    DatagramBatch m_tunBatch; // TUN -> UDP: read into, sealed in place, sent from
    DatagramBatch m_udpBatch; // UDP -> TUN: received into, opened in place
    DatagramBatch m_smallBatch; // keepalives, probes and probe replies
    std::unique_ptr<std::uint8_t[]> m_injectBuffer;
    std::vector<int> m_extraSockets; // owned: closed when removed or at the end
};

} // namespace pvc::core
