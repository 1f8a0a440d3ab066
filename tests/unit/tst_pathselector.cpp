#include "connectivity/pathselector.h"

#include <QTest>
#include <arpa/inet.h>

using namespace pvc::core;
using Kind = PathAction::Kind;

namespace {
sockaddr_in endpoint(const char* ip, quint16 port)
{
    sockaddr_in out {};
    out.sin_family = AF_INET;
    out.sin_port = htons(port);
    inet_pton(AF_INET, ip, &out.sin_addr);
    return out;
}

QList<Kind> kinds(const std::vector<PathAction>& actions)
{
    QList<Kind> out;
    for (const PathAction& action : actions)
        out << action.kind;
    return out;
}

const PathAction* find(const std::vector<PathAction>& actions, Kind kind)
{
    for (const PathAction& action : actions)
        if (action.kind == kind)
            return &action;
    return nullptr;
}

// A tunnel that started at 0 on `path`; no punch round is due before `now` unless a test says so.
PathState onPath(PathKind path)
{
    PathState state;
    state.path = path;
    state.nextPunchMs = 1'000'000;
    return state;
}

PathContext udpBothSides()
{
    PathContext context;
    context.localUdp = true;
    context.peerUdp = true;
    context.hasUdpRelay = true;
    context.localNat = NatKind::EndpointIndependent;
    context.peerNat = NatKind::EndpointIndependent;
    context.peerPublic = endpoint("198.51.100.7", 41000);
    return context;
}

PeerStats heardDirectly(const sockaddr_in& from, qint64 agoMs, int socket = -1)
{
    PeerStats peer;
    peer.lastDirectSource = from;
    peer.lastDirectReceivedAgoMs = agoMs;
    peer.lastDirectSocket = socket;
    peer.lastReceivedAgoMs = agoMs;
    return peer;
}
} // namespace

// Path selection's decisions with the thresholds of docs/connectivity.md, each on both sides of its edge.
class TstPathSelector : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void relayMovesToDirectOnAFreshDirectDatagram()
    {
        const sockaddr_in peerAddress = endpoint("203.0.113.5", 5000);
        for (const PathKind path : { PathKind::Relay, PathKind::Stream }) {
            PathState state = onPath(path);
            const auto actions = selectPath(state, heardDirectly(peerAddress, 1499, 42), udpBothSides(), 10000);
            QCOMPARE(kinds(actions), QList<Kind> { Kind::UseDirect });
            QCOMPARE(actions[0].endpoint.sin_port, peerAddress.sin_port);
            QCOMPARE(actions[0].endpoint.sin_addr.s_addr, peerAddress.sin_addr.s_addr);
            QCOMPARE(actions[0].socket, 42);
            QVERIFY(!actions[0].rebound);
            PathState stale = onPath(path);
            QVERIFY(!find(selectPath(stale, heardDirectly(peerAddress, 1500), udpBothSides(), 10000), Kind::UseDirect));
        }
        PathState never = onPath(PathKind::Relay);
        QVERIFY(kinds(selectPath(never, heardDirectly({}, -1), udpBothSides(), 1000)).isEmpty());
    }

    void confirmedDirectFallsBackAfterSilence()
    {
        const sockaddr_in peerAddress = endpoint("203.0.113.5", 5000);
        auto tick = [&](qint64 directAgoMs, bool sending) {
            PathState state = onPath(PathKind::Direct);
            state.confirmed = true;
            state.directEndpoint = peerAddress;
            state.lastPacketsOut = 10;
            PeerStats peer = heardDirectly(peerAddress, directAgoMs);
            peer.packetsOut = sending ? 11 : 10;
            return selectPath(state, peer, udpBothSides(), 60000);
        };
        // Idle: 6 s of silence; while sending: 2.5 s.
        QVERIFY(tick(6000, false).empty());
        QCOMPARE(kinds(tick(6001, false)), QList<Kind> { Kind::UseRelay });
        QCOMPARE(tick(6001, false)[0].why, QStringLiteral("the direct path went silent"));
        QVERIFY(tick(2500, true).empty());
        QCOMPARE(kinds(tick(2501, true)), QList<Kind> { Kind::UseRelay });
        QVERIFY(tick(2501, false).empty());
    }

    void unconfirmedDirectIsAbandonedAfterThreeSeconds()
    {
        auto tick = [](qint64 now, qint64 directAgoMs) {
            PathState state = onPath(PathKind::Direct);
            state.directEndpoint = endpoint("203.0.113.5", 5000);
            return selectPath(state, heardDirectly(state.directEndpoint, directAgoMs), udpBothSides(), now);
        };
        QVERIFY(tick(3000, -1).empty());
        const auto actions = tick(3001, -1);
        QCOMPARE(kinds(actions), QList<Kind> { Kind::UseRelay });
        QCOMPARE(actions[0].why, QStringLiteral("the direct path never answered"));
        // An answer since the move confirms the path: no fallback, and the state says so.
        PathState state = onPath(PathKind::Direct);
        state.directEndpoint = endpoint("203.0.113.5", 5000);
        QVERIFY(selectPath(state, heardDirectly(state.directEndpoint, 2000), udpBothSides(), 3001).empty());
        QVERIFY(state.confirmed);
    }

    void fallsBackToTheTcpRelayWithoutAUsableUdpRelay()
    {
        auto fallback = [](PathContext context, bool relayFailed) {
            PathState state = onPath(PathKind::Direct);
            state.udpRelayFailed = relayFailed;
            return kinds(selectPath(state, heardDirectly({}, -1), context, 3001));
        };
        QCOMPARE(fallback(udpBothSides(), false), QList<Kind> { Kind::UseRelay });
        PathContext noTag = udpBothSides();
        noTag.hasUdpRelay = false;
        QCOMPARE(fallback(noTag, false), QList<Kind> { Kind::UseStream });
        QCOMPARE(fallback(udpBothSides(), true), QList<Kind> { Kind::UseStream });
        PathContext peerNoUdp = udpBothSides();
        peerNoUdp.peerUdp = false;
        QCOMPARE(fallback(peerNoUdp, false), QList<Kind> { Kind::UseStream });
    }

    void silentUdpRelayGivesWayToTheTcpRelay()
    {
        auto tick = [](qint64 now, qint64 receivedAgoMs, PathState* state) {
            *state = onPath(PathKind::Relay);
            PeerStats peer;
            peer.lastReceivedAgoMs = receivedAgoMs;
            return kinds(selectPath(*state, peer, udpBothSides(), now));
        };
        PathState state;
        QVERIFY(tick(6000, -1, &state).isEmpty());
        QVERIFY(!state.udpRelayFailed);
        QCOMPARE(tick(6001, -1, &state), QList<Kind> { Kind::UseStream });
        QVERIFY(state.udpRelayFailed);
        QVERIFY(tick(20000, 6000, &state).isEmpty());
        QCOMPARE(tick(20000, 6001, &state), QList<Kind> { Kind::UseStream });
        // The TCP relay is never judged this way.
        PathState stream = onPath(PathKind::Stream);
        QVERIFY(selectPath(stream, PeerStats {}, udpBothSides(), 60000).empty());
    }

    void silentTcpPathGoesBackToTheStream()
    {
        PathState state = onPath(PathKind::DirectTcp);
        PeerStats peer;
        peer.lastReceivedAgoMs = 6000;
        QVERIFY(selectPath(state, peer, udpBothSides(), 60000).empty());
        peer.lastReceivedAgoMs = 6001;
        const auto actions = selectPath(state, peer, udpBothSides(), 60000);
        QCOMPARE(kinds(actions), QList<Kind> { Kind::UseStream });
        QCOMPARE(actions[0].why, QStringLiteral("the TCP path went silent"));
    }

    void reboundPeerIsFollowed()
    {
        PathState state = onPath(PathKind::Direct);
        state.directEndpoint = endpoint("203.0.113.5", 5000);
        const PeerStats moved = heardDirectly(endpoint("203.0.113.5", 5001), 999);
        QVERIFY(!find(selectPath(state, moved, udpBothSides(), 500), Kind::UseDirect)); // not within 0.5 s of the move
        const auto actions = selectPath(state, moved, udpBothSides(), 501);
        QCOMPARE(kinds(actions), QList<Kind> { Kind::UseDirect });
        QVERIFY(actions[0].rebound);
        // Another of our sockets counts as elsewhere too.
        PathState same = onPath(PathKind::Direct);
        same.directEndpoint = state.directEndpoint;
        QCOMPARE(kinds(selectPath(same, heardDirectly(state.directEndpoint, 10, 7), udpBothSides(), 501)),
            QList<Kind> { Kind::UseDirect });
        QVERIFY(selectPath(same, heardDirectly(state.directEndpoint, 10), udpBothSides(), 501).empty());
    }

    void symmetricSideQueuesBirthdayProbing()
    {
        PathContext context = udpBothSides();
        context.localNat = NatKind::Symmetric;
        PathState state = onPath(PathKind::Relay);
        PeerStats peer;
        peer.lastReceivedAgoMs = 100;
        QVERIFY(!find(selectPath(state, peer, context, 1999), Kind::QueueBirthday));
        QVERIFY(find(selectPath(state, peer, context, 2000), Kind::QueueBirthday));
        QCOMPARE(state.nextBirthdayMs, 62000);
        QVERIFY(!find(selectPath(state, peer, context, 61999), Kind::QueueBirthday));
        QVERIFY(find(selectPath(state, peer, context, 62000), Kind::QueueBirthday));
        // Not when the peer is symmetric too, nor without the peer's public endpoint.
        PathContext both = context;
        both.peerNat = NatKind::Symmetric;
        PathState other = onPath(PathKind::Relay);
        QVERIFY(!find(selectPath(other, peer, both, 5000), Kind::QueueBirthday));
        PathContext unknown = context;
        unknown.peerPublic = {};
        QVERIFY(!find(selectPath(other, peer, unknown, 5000), Kind::QueueBirthday));
    }

    void sprayIsHonouredAtMostEveryTenSeconds()
    {
        PathContext context = udpBothSides();
        PathState state = onPath(PathKind::Relay);
        PeerStats peer;
        peer.lastReceivedAgoMs = 100;
        state.sprayRequested = true;
        auto actions = selectPath(state, peer, context, 1000);
        QCOMPARE(kinds(actions), (QList<Kind> { Kind::StartSpray, Kind::Spray }));
        QCOMPARE(actions[0].count, 2048);
        QCOMPARE(actions[1].count, 128);
        QCOMPARE(actions[1].endpoint.sin_addr.s_addr, context.peerPublic.sin_addr.s_addr);
        QVERIFY(!state.sprayRequested);
        int probes = 128;
        for (qint64 now = 1250; (actions = selectPath(state, peer, context, now)).size() == 1; now += 250)
            probes += actions[0].count;
        QCOMPARE(probes, 2048);
        // Asked again 9 s later: ignored (and forgotten); 10 s later: a new spray.
        state.sprayRequested = true;
        QVERIFY(selectPath(state, peer, context, 10999).empty());
        QVERIFY(!state.sprayRequested);
        state.sprayRequested = true;
        QCOMPARE(kinds(selectPath(state, peer, context, 11000)), (QList<Kind> { Kind::StartSpray, Kind::Spray }));
        // The symmetric side itself never sprays.
        PathContext symmetric = context;
        symmetric.localNat = NatKind::Symmetric;
        PathState mine = onPath(PathKind::Relay);
        mine.sprayRequested = true;
        QVERIFY(!find(selectPath(mine, peer, symmetric, 1000), Kind::StartSpray));
    }

    void punchesEveryHalfSecondForTenSecondsThenEveryFive()
    {
        PathState state = onPath(PathKind::Relay);
        state.nextPunchMs = 0;
        PeerStats peer;
        peer.lastReceivedAgoMs = 100;
        QList<qint64> punches;
        for (qint64 now = 0; now <= 30000; now += 250)
            if (find(selectPath(state, peer, udpBothSides(), now), Kind::Punch))
                punches << now;
        // 0, 500 ... 10000 (the round counter is read before it counts the 20th), then 15000 ... 30000.
        QCOMPARE(punches.size(), 21 + 4);
        QCOMPARE(punches[19], 9500);
        QCOMPARE(punches[20], 10000);
        QCOMPARE(punches[21], 15000);
        QCOMPARE(punches[24], 30000);
        // No UDP on one side: no punching, TCP instead.
        PathContext blocked = udpBothSides();
        blocked.peerUdp = false;
        PathState tcp = onPath(PathKind::Stream);
        tcp.nextPunchMs = 0;
        QVERIFY(!find(selectPath(tcp, peer, blocked, 0), Kind::Punch));
    }

    void tcpPunchingStartsOnTheTlsClientAndBacksOff()
    {
        PathContext context = udpBothSides();
        context.localUdp = false;
        context.tlsClient = true;
        PathState state = onPath(PathKind::Stream);
        state.startedMs = 1000;
        PeerStats peer;
        QVERIFY(selectPath(state, peer, context, 1499).empty());
        QList<qint64> attempts;
        for (qint64 now = 1500; now <= 1500 + 800000; now += 250)
            if (find(selectPath(state, peer, context, now), Kind::StartTcpPunch))
                attempts << now - 1500;
        // 0.5 s after the start, then 30 s, doubling up to 5 min.
        QCOMPARE(attempts, (QList<qint64> { 0, 30000, 90000, 210000, 450000, 750000 }));
        PathContext server = context;
        server.tlsClient = false;
        PathState other = onPath(PathKind::Stream);
        QVERIFY(selectPath(other, peer, server, 5000).empty());
        PathContext busy = context;
        busy.tcpPunching = true;
        QVERIFY(selectPath(other, peer, busy, 5000).empty());
    }

    void usedUpKeysAskForRenewal()
    {
        PathState state = onPath(PathKind::Relay);
        PeerStats peer;
        peer.sendEpoch = 59;
        QVERIFY(!find(selectPath(state, peer, udpBothSides(), 100), Kind::Renew));
        peer.sendEpoch = 60;
        QCOMPARE(kinds(selectPath(state, peer, udpBothSides(), 100)), QList<Kind> { Kind::Renew });
        peer.sendEpoch = 1;
        peer.expired = true;
        QCOMPARE(kinds(selectPath(state, peer, udpBothSides(), 100)), QList<Kind> { Kind::Renew });
    }
};

QTEST_GUILESS_MAIN(TstPathSelector)
#include "tst_pathselector.moc"
