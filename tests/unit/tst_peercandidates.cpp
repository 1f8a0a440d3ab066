#include "connectivity/peercandidates.h"
#include "connectivity/udpendpoint.h"

#include <QJsonArray>
#include <QTest>

using namespace pvc::core;

// What a peer announces of its reachability, as hole punching and the TCP paths read it.
class TstPeerCandidates : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void oneEndpointKeepsTheKindThatSaysMost()
    {
        PeerCandidates candidates;
        const QHostAddress address(QStringLiteral("203.0.113.5"));
        const sockaddr_in endpoint = toSockaddr(address, 5000);
        candidates.add(address, 5000, CandidateKind::Srflx);
        candidates.add(address, 5000, CandidateKind::Host); // a host seen by a broker: no NAT
        QVERIFY(candidates.kindOf(endpoint) == CandidateKind::Host);
        candidates.add(address, 5000, CandidateKind::Srflx); // never back to srflx
        QVERIFY(candidates.kindOf(endpoint) == CandidateKind::Host);
        candidates.add(address, 5000, CandidateKind::Upnp); // a mapping the router was asked for
        QVERIFY(candidates.kindOf(endpoint) == CandidateKind::Upnp);
        QCOMPARE(candidates.endpoints().size(), 1);
        QVERIFY(!candidates.kindOf(toSockaddr(address, 5001)));
    }

    void atMostTwelveIpv4Endpoints()
    {
        PeerCandidates candidates;
        for (quint16 port = 1; port <= 20; ++port)
            candidates.add(QHostAddress(QStringLiteral("198.51.100.1")), port, CandidateKind::Host);
        candidates.add(QHostAddress(QStringLiteral("2001:db8::1")), 1, CandidateKind::Host);
        candidates.add(QHostAddress(QStringLiteral("198.51.100.2")), 0, CandidateKind::Host);
        QCOMPARE(candidates.endpoints().size(), 12);
    }

    void publicEndpointIsWhatABrokerSawElseTheHostsOwn()
    {
        PeerCandidates candidates;
        QCOMPARE(candidates.publicEndpoint().sin_port, in_port_t(0));
        candidates.add(QHostAddress(QStringLiteral("198.19.2.2")), 4000, CandidateKind::Host);
        QCOMPARE(endpointText(candidates.publicEndpoint()), QStringLiteral("198.19.2.2:4000"));
        candidates.add(QHostAddress(QStringLiteral("203.0.113.9")), 4100, CandidateKind::Srflx);
        QCOMPARE(endpointText(candidates.publicEndpoint()), QStringLiteral("203.0.113.9:4100"));
        QCOMPARE(candidates.hostAddresses(), QStringList { QStringLiteral("198.19.2.2") });
    }

    void announcementsAreChecked()
    {
        QJsonArray list;
        list.append(QJsonObject { { QStringLiteral("endpoint"), QStringLiteral("203.0.113.5:5000") },
            { QStringLiteral("kind"), QStringLiteral("upnp") } });
        list.append(QJsonObject { { QStringLiteral("endpoint"), QStringLiteral("203.0.113.5:5001") },
            { QStringLiteral("kind"), QStringLiteral("relay") } }); // not a candidate kind
        list.append(QJsonObject { { QStringLiteral("endpoint"), QStringLiteral("no port") },
            { QStringLiteral("kind"), QStringLiteral("host") } });
        const QJsonObject record { { QStringLiteral("candidates"), list },
            { QStringLiteral("nat"), QStringLiteral("symmetric") },
            { QStringLiteral("tcp_addresses"), QJsonArray { QStringLiteral("198.51.100.4"), QStringLiteral("::1") } } };
        const PeerAnnouncement announced = readPeerAnnouncement(record);
        QCOMPARE(announced.candidates.size(), 1);
        QVERIFY(std::get<2>(announced.candidates[0]) == CandidateKind::Upnp);
        QVERIFY(announced.nat == NatKind::Symmetric);
        QVERIFY(announced.udp); // unsaid: assumed to work
        QCOMPARE(announced.tcpAddresses, QStringList { QStringLiteral("198.51.100.4") });
        const PeerAnnouncement odd = readPeerAnnouncement(
            { { QStringLiteral("nat"), QStringLiteral("cone") }, { QStringLiteral("udp"), false } });
        QVERIFY(odd.nat == NatKind::Unknown);
        QVERIFY(!odd.udp);
    }
};

QTEST_GUILESS_MAIN(TstPeerCandidates)
#include "tst_peercandidates.moc"
