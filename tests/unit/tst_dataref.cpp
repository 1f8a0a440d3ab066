// pvc-data: references (core/data/dataref.h, docs/data.md): the exact form, and refusal of every malformed one.
#include "data/dataref.h"

#include <QTest>

using pvc::core::DataRef;

class TstDataRef : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void roundTrip()
    {
        const QString text = QStringLiteral("pvc-data:294f425035090b73300175d52a3614d8b352f374/genome v2.bin@master");
        const auto ref = DataRef::parse(text);
        QVERIFY2(ref.ok(), qPrintable(ref.error().detail));
        QCOMPARE(ref->infoHash.size(), 20);
        QCOMPARE(ref->infoHashHex(), QStringLiteral("294f425035090b73300175d52a3614d8b352f374"));
        QCOMPARE(ref->name, QStringLiteral("genome v2.bin"));
        QCOMPARE(ref->publisher, QStringLiteral("master"));
        QCOMPARE(ref->toString(), text);
        QCOMPARE(DataRef::parse(ref->toString()).value(), ref.value());
    }

    void refused_data()
    {
        QTest::addColumn<QString>("text");
        const QString hash = QStringLiteral("294f425035090b73300175d52a3614d8b352f374");
        QTest::newRow("empty") << QString();
        QTest::newRow("magnet") << QStringLiteral("magnet:?xt=urn:btih:") + hash;
        QTest::newRow("short hash") << QStringLiteral("pvc-data:294f/x@master");
        QTest::newRow("upper-case hash") << QStringLiteral("pvc-data:") + hash.toUpper() + QStringLiteral("/x@master");
        QTest::newRow("not hex") << QStringLiteral("pvc-data:") + QString(40, u'g') + QStringLiteral("/x@master");
        QTest::newRow("no name") << QStringLiteral("pvc-data:") + hash + QStringLiteral("/@master");
        QTest::newRow("no publisher") << QStringLiteral("pvc-data:") + hash + QStringLiteral("/x");
        QTest::newRow("empty publisher") << QStringLiteral("pvc-data:") + hash + QStringLiteral("/x@");
        QTest::newRow("publisher upper case") << QStringLiteral("pvc-data:") + hash + QStringLiteral("/x@Master");
        QTest::newRow("path in name") << QStringLiteral("pvc-data:") + hash + QStringLiteral("/a/b@master");
        QTest::newRow("dot-dot") << QStringLiteral("pvc-data:") + hash + QStringLiteral("/..@master");
        QTest::newRow("hidden") << QStringLiteral("pvc-data:") + hash + QStringLiteral("/.x@master");
        QTest::newRow("control character") << QStringLiteral("pvc-data:") + hash + QStringLiteral("/a\nb@master");
        QTest::newRow("name too long") << QStringLiteral("pvc-data:") + hash + QLatin1Char('/') + QString(201, u'a')
                + QStringLiteral("@master");
        QTest::newRow("too long") << QStringLiteral("pvc-data:") + hash + QLatin1Char('/') + QString(600, u'a')
                + QStringLiteral("@master");
    }

    void refused()
    {
        QFETCH(QString, text);
        const auto ref = DataRef::parse(text);
        QVERIFY(!ref.ok());
        QCOMPARE(ref.error().code, QStringLiteral("data.bad_reference"));
        QVERIFY(!ref.error().detail.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TstDataRef)
#include "tst_dataref.moc"
