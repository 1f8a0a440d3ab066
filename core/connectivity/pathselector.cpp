// Path selection (docs/connectivity.md): every tunnel starts on a relay (UDP through a broker, or
// the peer session's TCP relay when either side's UDP is blocked) and meanwhile punches: both sides
// probe all of each other's candidates at once, and the first direct datagram the peer's session
// opens moves the tunnel to that address. Against a symmetric NAT the other side also sprays probes
// at random ports of the symmetric side's address while the symmetric side probes from many sockets
// (birthday paradox). A direct path that goes silent falls back to the relay; punching goes on, so
// it comes back.
#include "connectivity/pathselector.h"

#include <algorithm>

namespace pvc::core {

using namespace pathtiming;

namespace {

using Actions = std::vector<PathAction>;

PathAction action(PathAction::Kind kind, const QString& why = {})
{
    PathAction out;
    out.kind = kind;
    out.why = why;
    return out;
}

PathAction useDirect(const PeerStats& peer, bool rebound)
{
    PathAction out;
    out.kind = PathAction::Kind::UseDirect;
    out.endpoint = peer.lastDirectSource;
    out.socket = peer.lastDirectSocket;
    out.rebound = rebound;
    return out;
}

bool sameEndpoint(const sockaddr_in& a, const sockaddr_in& b)
{
    return a.sin_addr.s_addr == b.sin_addr.s_addr && a.sin_port == b.sin_port;
}

// Probes cross a TCP path every 2 s: silence means the connection is dead even if TCP has not noticed.
void onDirectTcp(const PeerStats& peer, Actions& out)
{
    if (peer.lastReceivedAgoMs > DirectDeadMs)
        out.push_back(action(PathAction::Kind::UseStream, QStringLiteral("the TCP path went silent")));
}

// Off a direct path that failed: the UDP relay if it can be used, else the TCP relay.
PathAction fallBack(const PathState& state, const PathContext& context, const QString& why)
{
    return action(canUseUdpRelay(state, context) ? PathAction::Kind::UseRelay : PathAction::Kind::UseStream, why);
}

void onDirect(
    PathState& state, const PeerStats& peer, const PathContext& context, bool sending, qint64 onPathMs, Actions& out)
{
    const qint64 directAgoMs = peer.lastDirectReceivedAgoMs;
    // The peer now reaches us from another address or on another of our sockets (a NAT that rebound,
    // or the socket the other side kept after birthday probing): answer there, where it listens.
    const bool elsewhere
        = !sameEndpoint(peer.lastDirectSource, state.directEndpoint) || peer.lastDirectSocket != state.directSocket;
    if (peer.lastDirectSource.sin_port != 0 && directAgoMs >= 0 && directAgoMs < 1000 && elsewhere && onPathMs > 500) {
        out.push_back(useDirect(peer, true));
        return;
    }
    if (directAgoMs >= 0 && directAgoMs < onPathMs)
        state.confirmed = true;
    if (!state.confirmed && onPathMs > DirectTrialMs)
        out.push_back(fallBack(state, context, QStringLiteral("the direct path never answered")));
    else if (state.confirmed && (directAgoMs > DirectDeadMs || (sending && directAgoMs > BusyDeadMs)))
        out.push_back(fallBack(state, context, QStringLiteral("the direct path went silent")));
}

// Only the TLS client of the peer session starts, so the two sides never race with two attempts.
void maybeStartTcp(PathState& state, const PathContext& context, qint64 now, Actions& out)
{
    if (state.path == PathKind::Direct || state.path == PathKind::DirectTcp || context.tcpPunching || !context.tlsClient
        || (context.localUdp && context.peerUdp))
        return;
    if (state.nextTcpAttemptMs == 0)
        state.nextTcpAttemptMs = state.startedMs + TcpFirstAttemptDelayMs;
    if (now < state.nextTcpAttemptMs)
        return;
    state.nextTcpAttemptMs = now + std::min(TcpMaxRetryMs, TcpRetryMs << std::min(state.tcpAttempts, 4));
    ++state.tcpAttempts;
    out.push_back(action(PathAction::Kind::StartTcpPunch));
}

// The symmetric side asks for the spray (tunnel-punch) when its sockets are out; the other side
// sprays, and the symmetric side queues birthday probing once plain punching had its chance.
void traverseSymmetric(PathState& state, const PathContext& context, qint64 now, Actions& out)
{
    const bool weSymmetric = context.localNat == NatKind::Symmetric;
    const bool peerSymmetric = context.peerNat == NatKind::Symmetric;
    const bool knowPublic = context.peerPublic.sin_port != 0;
    if (state.sprayRequested && !weSymmetric && knowPublic && now >= state.nextSprayMs) {
        state.sprayLeft = SprayProbes;
        state.nextSprayMs = now + SprayMinIntervalMs;
        PathAction start;
        start.kind = PathAction::Kind::StartSpray;
        start.endpoint = context.peerPublic;
        start.count = SprayProbes;
        out.push_back(start);
    }
    state.sprayRequested = false;
    if (state.sprayLeft > 0) {
        PathAction spray;
        spray.kind = PathAction::Kind::Spray;
        spray.endpoint = context.peerPublic;
        spray.count = std::min(SprayPerTick, state.sprayLeft);
        state.sprayLeft -= spray.count;
        out.push_back(spray);
    }
    const bool late = now - state.startedMs >= BirthdayDelayMs;
    if (late && weSymmetric && !peerSymmetric && knowPublic && now >= state.nextBirthdayMs) {
        state.nextBirthdayMs = now + BirthdayRepeatMs;
        out.push_back(action(PathAction::Kind::QueueBirthday));
    }
}

void onRelay(PathState& state, const PeerStats& peer, const PathContext& context, qint64 now, Actions& out)
{
    const qint64 directAgoMs = peer.lastDirectReceivedAgoMs;
    // The peer's session opened a datagram that came straight from it: that path works both ways
    // (we answered it already), so the tunnel moves there.
    if (peer.lastDirectSource.sin_port != 0 && directAgoMs >= 0 && directAgoMs < 1500) {
        out.push_back(useDirect(peer, false));
        return;
    }
    if (state.path == PathKind::Relay && now - state.pathSinceMs > UdpRelaySilentMs
        && (peer.lastReceivedAgoMs < 0 || peer.lastReceivedAgoMs > UdpRelaySilentMs)) {
        state.udpRelayFailed = true;
        out.push_back(action(PathAction::Kind::UseStream, QStringLiteral("nothing came through the UDP relay")));
    }
    if (!context.localUdp || !context.peerUdp)
        return maybeStartTcp(state, context, now, out);
    if (now >= state.nextPunchMs) {
        schedulePunch(state, now);
        out.push_back(action(PathAction::Kind::Punch));
    }
    traverseSymmetric(state, context, now, out);
}

} // namespace

bool canUseUdpRelay(const PathState& state, const PathContext& context)
{
    return context.hasUdpRelay && context.localUdp && context.peerUdp && !state.udpRelayFailed;
}

void schedulePunch(PathState& state, qint64 now)
{
    state.nextPunchMs = now + (state.punchRounds < FastPunchRounds ? FastPunchMs : SlowPunchMs);
    ++state.punchRounds;
}

std::vector<PathAction> selectPath(PathState& state, const PeerStats& peer, const PathContext& context, qint64 now)
{
    Actions out;
    if (peer.expired || peer.sendEpoch >= RenewAtEpoch) {
        // Near the end of the derived epochs: a new handshake gives new keys (and forward secrecy).
        out.push_back(action(PathAction::Kind::Renew));
        return out;
    }
    const qint64 onPathMs = now - state.pathSinceMs;
    // While we send, the peer answers (TCP acknowledgements, probe replies): silence says more.
    const bool sending = peer.packetsOut != state.lastPacketsOut;
    state.lastPacketsOut = peer.packetsOut;
    if (state.path == PathKind::DirectTcp)
        onDirectTcp(peer, out);
    else if (state.path == PathKind::Direct)
        // Only datagrams that came directly judge a direct path: relayed ones arrive either way.
        onDirect(state, peer, context, sending, onPathMs, out);
    else
        onRelay(state, peer, context, now, out);
    return out;
}

} // namespace pvc::core
