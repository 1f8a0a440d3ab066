#include "virtualization/addressplan.h"

#include <QTest>

using namespace pvc::core;

class TestAddressPlan : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void classENetworkAccepted()
    {
        const auto plan = AddressPlan::parse(QStringLiteral("240.1.0.0/16"));
        QVERIFY2(plan.ok(), qPrintable(plan.error().detail));
        QCOMPARE(plan->cidr(), QStringLiteral("240.1.0.0/16"));
        QCOMPARE(plan->masterAddress(), QStringLiteral("240.1.0.1"));
        QCOMPARE(AddressPlan::firstHostOffset(), 2u);
        QCOMPARE(plan->addressAt(AddressPlan::firstHostOffset()), QStringLiteral("240.1.0.2"));
        QCOMPARE(plan->addressAt(2), QStringLiteral("240.1.0.2"));
        QCOMPARE(plan->addressAt(256), QStringLiteral("240.1.1.0"));
        QCOMPARE(plan->lastHostOffset(), 65534u);
        // The last host address sits just below the broadcast address.
        QCOMPARE(plan->addressAt(plan->lastHostOffset()), QStringLiteral("240.1.255.254"));
    }

    void hostBitsAreCleared()
    {
        const auto plan = AddressPlan::parse(QStringLiteral("240.7.9.200/16"));
        QVERIFY(plan.ok());
        QCOMPARE(plan->cidr(), QStringLiteral("240.7.0.0/16"));
        QCOMPARE(plan->masterAddress(), QStringLiteral("240.7.0.1"));
    }

    void edgesOfClassE_data()
    {
        QTest::addColumn<QString>("cidr");
        QTest::addColumn<bool>("accepted");
        QTest::newRow("240.0") << QStringLiteral("240.0.0.0/16") << true;
        QTest::newRow("254.255") << QStringLiteral("254.255.0.0/16") << true;
        QTest::newRow("239.255 multicast") << QStringLiteral("239.255.0.0/16") << false;
        QTest::newRow("255.1 reserved") << QStringLiteral("255.1.0.0/16") << false;
        QTest::newRow("255.255 broadcast") << QStringLiteral("255.255.0.0/16") << false;
    }

    void edgesOfClassE()
    {
        QFETCH(QString, cidr);
        QFETCH(bool, accepted);
        const auto plan = AddressPlan::parse(cidr);
        QCOMPARE(plan.ok(), accepted);
        if (!accepted)
            QCOMPARE(plan.error().code, QStringLiteral("network.not_class_e"));
    }

    void contains()
    {
        const auto plan = AddressPlan::parse(QStringLiteral("240.1.0.0/16"));
        QVERIFY(plan.ok());
        QVERIFY(plan->contains(QStringLiteral("240.1.0.1")));
        QVERIFY(plan->contains(QStringLiteral("240.1.0.2")));
        QVERIFY(plan->contains(QStringLiteral("240.1.200.17")));
        QVERIFY(plan->contains(QStringLiteral("240.1.255.255")));
        QVERIFY(!plan->contains(QStringLiteral("240.2.0.2")));
        QVERIFY(!plan->contains(QStringLiteral("240.0.255.255")));
        QVERIFY(!plan->contains(QStringLiteral("198.18.0.2")));
        QVERIFY(!plan->contains(QStringLiteral("2001:db8::1")));
        QVERIFY(!plan->contains(QStringLiteral("alice")));
        QVERIFY(!plan->contains(QString()));
    }

    void refused_data()
    {
        QTest::addColumn<QString>("cidr");
        QTest::addColumn<QString>("code");
        const QString notClassE = QStringLiteral("network.not_class_e");
        const QString badPrefix = QStringLiteral("network.bad_prefix");
        const QString malformed = QStringLiteral("network.malformed");
        QTest::newRow("benchmarking /16") << QStringLiteral("198.18.0.0/16") << notClassE;
        QTest::newRow("shared address space /16") << QStringLiteral("100.64.0.0/16") << notClassE;
        QTest::newRow("documentation /16") << QStringLiteral("192.0.2.0/16") << notClassE;
        QTest::newRow("zero /16") << QStringLiteral("0.0.0.0/16") << notClassE;
        QTest::newRow("/24") << QStringLiteral("240.1.0.0/24") << badPrefix;
        QTest::newRow("/8") << QStringLiteral("240.0.0.0/8") << badPrefix;
        QTest::newRow("/4") << QStringLiteral("240.0.0.0/4") << badPrefix;
        QTest::newRow("/32") << QStringLiteral("240.1.0.1/32") << badPrefix;
        QTest::newRow("empty") << QString() << malformed;
        QTest::newRow("garbage") << QStringLiteral("garbage") << malformed;
        QTest::newRow("no prefix") << QStringLiteral("240.1.0.0") << badPrefix;
        QTest::newRow("dash") << QStringLiteral("-/16") << malformed;
        QTest::newRow("bad prefix text") << QStringLiteral("240.1.0.0/sixteen") << malformed;
        QTest::newRow("prefix too long") << QStringLiteral("240.1.0.0/33") << malformed;
        QTest::newRow("octet too big") << QStringLiteral("240.256.0.0/16") << malformed;
        QTest::newRow("ipv6") << QStringLiteral("2001:db8::/16") << malformed;
    }

    void refused()
    {
        QFETCH(QString, cidr);
        QFETCH(QString, code);
        const auto plan = AddressPlan::parse(cidr);
        QVERIFY2(!plan.ok(), qPrintable(cidr));
        QCOMPARE(plan.error().code, code);
        QVERIFY(!plan.error().detail.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestAddressPlan)
#include "tst_addressplan.moc"
