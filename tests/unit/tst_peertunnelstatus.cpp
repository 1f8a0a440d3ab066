#include "connectivity/udpendpoint.h"
#include "coordinator/directtechnique.h"
#include "coordinator/localinfo.h"
#include "coordinator/peertunnelstatus.h"
#include "ipc/frame.h"
#include "tunnel/tunnelstats.h"

#include <QJsonArray>
#include <QTest>

using namespace pvc::core;

// What `pvc status` shows of a tunnel, and the technique records the peers exchange.
class TstPeerTunnelStatus : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void relayedTunnelShowsTheBrokerItGoesThrough()
    {
        PeerTunnelStatus status;
        status.path = PathKind::Relay;
        status.technique = Technique::Relay;
        status.peerNat = NatKind::Symmetric;
        status.relayEndpoint = toSockaddr(QHostAddress(QStringLiteral("198.51.100.7")), 4500);
        QCOMPARE(status.json(nullptr).value(QStringLiteral("path")).toString(), QStringLiteral("relay"));
        QCOMPARE(status.json(nullptr).value(QStringLiteral("relay")).toString(), QStringLiteral("udp"));
        QVERIFY(!status.json(nullptr).contains(QStringLiteral("endpoint")));

        PeerStats peer;
        peer.viaRelay = true;
        peer.packetsIn = 3;
        const QJsonObject shown = status.json(&peer);
        QCOMPARE(shown.value(QStringLiteral("endpoint")).toString(), QStringLiteral("198.51.100.7:4500"));
        QCOMPARE(shown.value(QStringLiteral("technique")).toString(), toString(Technique::Relay));
        QCOMPARE(shown.value(QStringLiteral("peer_nat")).toString(), toString(NatKind::Symmetric));
        QCOMPARE(shown.value(QStringLiteral("packets_in")).toInteger(), 3);
        QVERIFY(!shown.contains(QStringLiteral("tunnel_rtt_ms"))); // no round trip measured yet
    }

    void directPathIsProbingUntilThePeerAnswers()
    {
        PeerTunnelStatus status;
        status.path = PathKind::DirectTcp;
        status.tcpPeer = QStringLiteral("203.0.113.9:443");
        PeerStats peer;
        QCOMPARE(status.json(&peer).value(QStringLiteral("path")).toString(), QStringLiteral("probing"));
        QCOMPARE(
            status.json(&peer).value(QStringLiteral("endpoint")).toString(), QStringLiteral("203.0.113.9:443 (TCP)"));
        status.confirmed = true;
        QCOMPARE(status.json(&peer).value(QStringLiteral("path")).toString(), QStringLiteral("direct"));
        QVERIFY(!status.json(&peer).contains(QStringLiteral("relay")));
    }

    void theMoreOpenSideNamesADirectPath()
    {
        DirectTechnique technique;
        technique.name(false, CandidateKind::Srflx, nullptr);
        QVERIFY(technique.ours() == Technique::UdpPunch);
        technique.readPeerRecord(QJsonObject { { QStringLiteral("technique"), toString(Technique::Public) } });
        QVERIFY(technique.shown(PathKind::Direct) == Technique::Public);
        QVERIFY(technique.shown(PathKind::Stream) == Technique::Relay);
        QVERIFY(technique.shown(PathKind::DirectTcp) == Technique::UdpPunch); // ours only on TCP
        // A birthday socket: our symmetric NAT was punched, whatever the peer's endpoint.
        technique.name(true, CandidateKind::Host, nullptr);
        QVERIFY(technique.ours() == Technique::UdpPunch);
    }

    void thePeerCannotClaimARelayOrTcpTechnique()
    {
        DirectTechnique technique;
        technique.name(false, CandidateKind::Upnp, nullptr);
        technique.readPeerRecord(QJsonObject { { QStringLiteral("technique"), toString(Technique::Ttcp) } });
        QVERIFY(technique.shown(PathKind::Direct) == Technique::Upnp);
        technique.readPeerRecord(QJsonObject { { QStringLiteral("technique"), QStringLiteral("nonsense") } });
        QVERIFY(technique.shown(PathKind::Direct) == Technique::Upnp);
    }

    void localInfoRecordCarriesEveryField()
    {
        LocalInfo info;
        info.candidates = { { QStringLiteral("192.0.2.1:5000"), QStringLiteral("host") } };
        info.nat = QStringLiteral("symmetric");
        info.udp = true;
        info.tcpAddresses = { QStringLiteral("192.0.2.1") };
        const QJsonObject record = info.record("tunnel-info");
        QCOMPARE(pvc::ipc::messageType(record), QStringLiteral("tunnel-info"));
        const QJsonObject candidate = record.value(QStringLiteral("candidates")).toArray().first().toObject();
        QCOMPARE(candidate.value(QStringLiteral("endpoint")).toString(), QStringLiteral("192.0.2.1:5000"));
        QCOMPARE(candidate.value(QStringLiteral("kind")).toString(), QStringLiteral("host"));
        QCOMPARE(record.value(QStringLiteral("nat")).toString(), QStringLiteral("symmetric"));
        QCOMPARE(record.value(QStringLiteral("udp")).toBool(), true);
        QCOMPARE(
            record.value(QStringLiteral("tcp_addresses")).toArray().first().toString(), QStringLiteral("192.0.2.1"));
    }
};

QTEST_GUILESS_MAIN(TstPeerTunnelStatus)
#include "tst_peertunnelstatus.moc"
