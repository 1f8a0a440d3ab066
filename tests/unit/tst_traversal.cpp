#include "protocol/traversal.h"

#include <QTest>

using namespace pvc::core;

// The names peers exchange: each enum value round-trips, and a name we do not know is refused.
class TstTraversal : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void roundTrips()
    {
        for (NatKind kind : { NatKind::Unknown, NatKind::None, NatKind::EndpointIndependent, NatKind::Symmetric })
            QVERIFY(parseNatKind(toString(kind)) == kind);
        for (CandidateKind kind : { CandidateKind::Host, CandidateKind::Srflx, CandidateKind::Upnp })
            QVERIFY(parseCandidateKind(toString(kind)) == kind);
        for (Technique technique : { Technique::Public, Technique::Upnp, Technique::UdpPunch, Technique::TcpPunch,
                 Technique::Ttcp, Technique::Relay })
            QVERIFY(parseTechnique(toString(technique)) == technique);
        for (BrokerRole role : { BrokerRole::Guest, BrokerRole::Member, BrokerRole::Master })
            QVERIFY(parseBrokerRole(toString(role)) == role);
    }
    void wireSpellings()
    {
        // docs/protocol.md spells these; a change here breaks older peers.
        QCOMPARE(toString(NatKind::EndpointIndependent), QStringLiteral("endpoint-independent"));
        QCOMPARE(toString(Technique::UdpPunch), QStringLiteral("udp-punch"));
        QCOMPARE(toString(CandidateKind::Srflx), QStringLiteral("srflx"));
        QVERIFY(toString(Technique::None).isEmpty());
    }
    void unknownNamesRefused()
    {
        QVERIFY(!parseNatKind(u"Symmetric"));
        QVERIFY(!parseCandidateKind(u"relay"));
        QVERIFY(!parseTechnique(u"teleport"));
        QVERIFY(!parseBrokerRole(u"admin"));
    }
};

QTEST_GUILESS_MAIN(TstTraversal)
#include "tst_traversal.moc"
