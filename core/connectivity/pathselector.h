#pragma once

#include "protocol/traversal.h"
#include "tunnel/tunnelstats.h"

#include <QString>
#include <QtGlobal>
#include <netinet/in.h>
#include <vector>

// Which path a tunnel should take next, decided from numbers alone (docs/connectivity.md): the
// decisions live apart from the sockets and records that carry them out, so every threshold can be
// checked by a unit test without a network. TunnelManager keeps one PathState per tunnel, calls
// selectPath() on each path tick and carries out the actions it gets back, in order.
namespace pvc::core {

// Stream: the TCP relay in the peer session; DirectTcp: a punched or Traversing-TCP connection.
enum class PathKind { None, Relay, Stream, Direct, DirectTcp };

// One tunnel's path and the timers of its traversal attempts. The executor of the actions owns the
// path fields (path, confirmed, pathSinceMs, directEndpoint, directSocket); selectPath() advances
// the timers and the counters.
struct PathState {
    PathKind path = PathKind::None;
    bool confirmed = false; // the peer answered on the current direct path
    sockaddr_in directEndpoint {};
    int directSocket = -1; // an extra socket of a birthday probe, -1: the main one
    qint64 startedMs = 0;
    qint64 pathSinceMs = 0;
    qint64 nextPunchMs = 0;
    int punchRounds = 0;
    qint64 nextSprayMs = 0;
    int sprayLeft = 0;
    bool sprayRequested = false; // the peer's tunnel-punch record asked for it
    qint64 nextBirthdayMs = 0;
    quint64 lastPacketsOut = 0;
    bool udpRelayFailed = false;
    qint64 nextTcpAttemptMs = 0;
    int tcpAttempts = 0;
};

// What else the choice depends on: both sides' NAT and UDP, the peer's public endpoint, the TCP side.
struct PathContext {
    NatKind localNat = NatKind::Unknown;
    bool localUdp = false;
    NatKind peerNat = NatKind::Unknown;
    bool peerUdp = true;
    sockaddr_in peerPublic {}; // port 0: unknown (PeerCandidates::publicEndpoint)
    bool hasUdpRelay = false; // a broker relays UDP for both of us (the peer's relay tag)
    bool tcpPunching = false; // a TCP punch or Traversing-TCP wait is under way
    bool tlsClient = false; // we are the TLS client of the peer session (only that side starts TCP)
};

struct PathAction {
    enum class Kind {
        Renew, // the keys are near their end: a new peer session must replace the tunnel
        UseDirect, // move to endpoint from socket
        UseRelay, // to the UDP relay (why); to the TCP relay should the data plane refuse it
        UseStream, // to the TCP relay in the peer session (why)
        StartTcpPunch, // offer a TCP hole punch to the peer
        Punch, // probe every candidate of the peer
        StartSpray, // a spray of `count` probes begins (logged)
        Spray, // `count` probes at random ports of endpoint's address
        QueueBirthday, // probe the peer from many sockets (BirthdayProber)
    };
    Kind kind = Kind::Renew;
    sockaddr_in endpoint {};
    int socket = -1;
    int count = 0;
    bool rebound = false; // UseDirect while on a direct path: the peer now reaches us elsewhere
    QString why;
};

// The timings (docs/connectivity.md, "Path selection").
namespace pathtiming {
constexpr int FastPunchRounds = 20; // every FastPunchMs: the first 10 s
constexpr qint64 FastPunchMs = 500;
constexpr qint64 SlowPunchMs = 5000; // then for as long as the tunnel is relayed
constexpr qint64 DirectTrialMs = 3000; // a direct path the peer never answered on is given up
constexpr qint64 DirectDeadMs = 6000; // probes go every 2 s: this much silence means the path died
constexpr qint64 BusyDeadMs = 2500; // the same while we are sending
constexpr qint64 UdpRelaySilentMs = 6000; // nothing at all through the UDP relay: try the TCP one
constexpr qint64 BirthdayDelayMs = 2000; // plain punching gets this long first
constexpr qint64 BirthdayRepeatMs = 60000;
constexpr int SprayProbes = 2048; // with 256 sockets: about 8 expected hits in 64 512 ports
constexpr int SprayPerTick = 128; // 512 probes/s at one tick per 250 ms
constexpr qint64 SprayMinIntervalMs = 10000; // however often a peer asks
constexpr qint64 TcpFirstAttemptDelayMs = 500; // the peer's tunnel-info may still be on its way
constexpr qint64 TcpRetryMs = 30000; // after a failed attempt, doubled up to TcpMaxRetryMs
constexpr qint64 TcpMaxRetryMs = 300000;
constexpr quint32 RenewAtEpoch = 60;
} // namespace pathtiming

// One tick for one tunnel. It changes only state's timers and counters; all else is in the actions.
std::vector<PathAction> selectPath(PathState& state, const PeerStats& peer, const PathContext& context, qint64 now);
// The UDP relay can carry the tunnel: a broker relays for us, both sides' UDP works, and the relay
// has not failed before (nothing came through it).
bool canUseUdpRelay(const PathState& state, const PathContext& context);
// A punch round is due: the next one's time. The caller probes every candidate if UDP works.
void schedulePunch(PathState& state, qint64 now);

} // namespace pvc::core
