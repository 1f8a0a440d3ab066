#include "connectivity/natclassifier.h"

#include <QTest>

using namespace pvc::core;

namespace {
// Compared by name: QTest prints names, and they are what peers read in tunnel records.
QString judged(const QStringList& observations, const QSet<QString>& hosts)
{
    return toString(classifyNat(observations, hosts));
}
QString named(NatKind kind)
{
    return toString(kind);
}
} // namespace

// What pvcd tells peers about its NAT, from what brokers' STUN ports saw of its one tunnel socket.
class TestNatClassifier : public QObject {
    Q_OBJECT

    const QSet<QString> m_hosts { QStringLiteral("198.19.1.10:4000"), QStringLiteral("198.19.2.2:4000") };

private Q_SLOTS:
    void nothingObservedIsUnknown()
    {
        QCOMPARE(judged({}, m_hosts), named(NatKind::Unknown));
        QCOMPARE(judged({}, {}), named(NatKind::Unknown));
    }

    void differentMappingsPerDestinationAreSymmetric()
    {
        QCOMPARE(judged({ QStringLiteral("198.18.0.7:50001"), QStringLiteral("198.18.0.7:50002") }, m_hosts),
            named(NatKind::Symmetric));
        // Two agree, a third differs: still one socket with more than one mapping.
        QCOMPARE(judged({ QStringLiteral("198.18.0.7:50001"), QStringLiteral("198.18.0.7:50001"),
                            QStringLiteral("198.51.100.1:50001") },
                     m_hosts),
            named(NatKind::Symmetric));
        // Even when one of the views is our own address.
        QCOMPARE(judged({ QStringLiteral("198.19.1.10:4000"), QStringLiteral("198.18.0.7:4000") }, m_hosts),
            named(NatKind::Symmetric));
    }

    void ownAddressSeenIsNoNat()
    {
        QCOMPARE(judged({ QStringLiteral("198.19.2.2:4000") }, m_hosts), named(NatKind::None));
        QCOMPARE(judged({ QStringLiteral("198.19.2.2:4000"), QStringLiteral("198.19.2.2:4000") }, m_hosts),
            named(NatKind::None));
    }

    void agreeingDestinationsAreEndpointIndependent()
    {
        QCOMPARE(judged({ QStringLiteral("198.18.0.7:4000"), QStringLiteral("198.18.0.7:4000") }, m_hosts),
            named(NatKind::EndpointIndependent));
        QCOMPARE(judged({ QStringLiteral("198.18.0.7:4000"), QStringLiteral("198.18.0.7:4000"),
                            QStringLiteral("198.18.0.7:4000") },
                     {}),
            named(NatKind::EndpointIndependent));
    }

    void oneForeignViewIsUnknown()
    {
        // A single destination cannot tell endpoint-independent from symmetric mapping.
        QCOMPARE(judged({ QStringLiteral("198.18.0.7:4000") }, m_hosts), named(NatKind::Unknown));
    }

    void spellingsOnTheWireAreUnchanged()
    {
        QCOMPARE(toString(classifyNat({}, {})), QStringLiteral("unknown"));
        QCOMPARE(toString(classifyNat({ QStringLiteral("198.19.2.2:4000") }, m_hosts)), QStringLiteral("none"));
        QCOMPARE(toString(classifyNat({ QStringLiteral("1.2.3.4:5"), QStringLiteral("1.2.3.4:5") }, {})),
            QStringLiteral("endpoint-independent"));
        QCOMPARE(toString(classifyNat({ QStringLiteral("1.2.3.4:5"), QStringLiteral("1.2.3.4:6") }, {})),
            QStringLiteral("symmetric"));
    }
};

QTEST_GUILESS_MAIN(TestNatClassifier)
#include "tst_natclassifier.moc"
