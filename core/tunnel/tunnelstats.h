#pragma once

#include <QList>
#include <QString>
#include <array>
#include <atomic>
#include <cstdint>
#include <netinet/in.h>

// Counters of the data plane. The data-plane thread is the only writer; any thread may read them
// (stats()), so they are atomics bumped without a lock or a read-modify-write instruction.
namespace pvc::core {

enum class DropReason : std::uint8_t {
    TooLarge, // a packet above datapacket::MaxPayloadBytes, a datagram above 65535 bytes (global counter)
    // Outbound (TUN -> UDP)
    NotIpv4, // not an IPv4 packet, or shorter than its header (global counter)
    NoRoute, // no session for the destination virtual IP (global counter)
    FilteredOut, // the packet filter refused it
    Expired, // the session used up its epochs: it must be re-established
    NoEndpoint, // the session has no address to send to
    SendFailed, // sendmmsg refused it, e.g. a full socket buffer
    // Inbound (UDP -> TUN)
    BadHeader, // not a v1 datagram (global counter)
    UnknownIndex, // no session has this receiver index (global counter)
    RelayMismatch, // a relayed datagram for another session than the relay said
    BadEpoch, // an epoch we do not accept (too old, or past the derived ones)
    Replay, // counter seen already, or older than the window
    Decrypt, // the tag did not verify
    MalformedInner, // decrypted, but not a well-formed IPv4 packet
    SpoofedSource, // inner source address is not the peer's virtual IP
    FilteredIn, // the packet filter refused it
    TunWriteFailed, // the TUN device refused it
    Count
};

// Stable codes for logs and the control API ("tunnel.drop.replay" ...).
inline const char* dropReasonCode(DropReason reason)
{
    static constexpr std::array<const char*, std::size_t(DropReason::Count)> codes
        = { "tunnel.drop.too_large", "tunnel.drop.not_ipv4", "tunnel.drop.no_route", "tunnel.drop.filtered_out",
              "tunnel.drop.expired", "tunnel.drop.no_endpoint", "tunnel.drop.send_failed", "tunnel.drop.bad_header",
              "tunnel.drop.unknown_index", "tunnel.drop.relay_mismatch", "tunnel.drop.bad_epoch", "tunnel.drop.replay",
              "tunnel.drop.decrypt", "tunnel.drop.malformed_inner", "tunnel.drop.spoofed_source",
              "tunnel.drop.filtered_in", "tunnel.drop.tun_write_failed" };
    return reason < DropReason::Count ? codes[std::size_t(reason)] : "tunnel.drop.unknown";
}

using DropCounts = std::array<std::uint64_t, std::size_t(DropReason::Count)>;

// Single writer: a plain load and store, no locked instruction on the packet path.
inline void bump(std::atomic<std::uint64_t>& counter, std::uint64_t by = 1)
{
    counter.store(counter.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}

struct DropCounters {
    std::array<std::atomic<std::uint64_t>, std::size_t(DropReason::Count)> counts {};
    void add(DropReason reason) { bump(counts[std::size_t(reason)]); }
    DropCounts snapshot() const
    {
        DropCounts out {};
        for (std::size_t i = 0; i < out.size(); ++i)
            out[i] = counts[i].load(std::memory_order_relaxed);
        return out;
    }
};

// Live counters of one peer, shared by its session (writer) and the control side (reader).
struct PeerCounters {
    std::atomic<std::uint64_t> packetsIn { 0 }; // authenticated datagrams of any type
    std::atomic<std::uint64_t> bytesIn { 0 }; // their size as UDP payload
    std::atomic<std::uint64_t> packetsOut { 0 }; // datagrams the socket accepted
    std::atomic<std::uint64_t> bytesOut { 0 }; // their size as UDP payload, relay prefix included
    DropCounters drops;
    std::atomic<std::int64_t> lastReceivedNs { -1 }; // steady clock; -1: never
    std::atomic<std::int64_t> rttUs { -1 }; // last probe round trip; -1: none yet on this path
    std::atomic<std::uint32_t> sendEpoch { 0 };
    std::atomic<bool> expired { false };
    // The last address an authenticated datagram came from directly (not relayed): address in the
    // high 32 bits, port in the low 16, both host order; 0 if none. Path selection reads it.
    std::atomic<std::uint64_t> lastDirectSource { 0 };
    std::atomic<std::int64_t> lastDirectReceivedNs { -1 }; // steady clock, datagrams not relayed; -1: never
    std::atomic<int> lastDirectSocket { -1 }; // the extra socket it came in on; -1: the main one
};

// A copy of one peer's counters at one moment.
struct PeerStats {
    QString name;
    std::uint32_t localIndex = 0;
    std::uint32_t remoteIndex = 0;
    std::uint32_t virtualIp = 0;
    sockaddr_in endpoint {};
    bool viaRelay = false;
    std::uint64_t packetsIn = 0;
    std::uint64_t bytesIn = 0;
    std::uint64_t packetsOut = 0;
    std::uint64_t bytesOut = 0;
    DropCounts drops {};
    std::int64_t lastReceivedAgoMs = -1; // -1: nothing received yet
    std::int64_t rttUs = -1;
    std::uint32_t sendEpoch = 0;
    bool expired = false;
    sockaddr_in lastDirectSource {}; // port 0: none
    // Time since the last authenticated datagram that came directly, not through a relay; -1: never.
    // Path selection judges the direct path by this alone: relayed datagrams prove nothing about it.
    std::int64_t lastDirectReceivedAgoMs = -1;
    int lastDirectSocket = -1; // an extra socket (DataPlane::addSocket), -1: the main one
    int socket = -1; // the extra socket the current direct path uses; -1: the main one
    bool viaStream = false;
};

struct DataPlaneStats {
    QList<PeerStats> peers;
    DropCounts drops {}; // drops no session could be charged with
    std::uint64_t foreignDatagrams = 0; // handed to onForeignDatagram
};

} // namespace pvc::core
