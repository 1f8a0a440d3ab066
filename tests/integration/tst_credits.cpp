// Credit from the ledger to the volunteers (docs/batch.md, "The ledger"), with real processes on loopback: grants
// written into the master's ledger (as pvc-batch --master does) reach each host as a statement signed by the
// master and carried by the broker; `pvc credits` shows it, each host only its own, and it survives restarts.
#include "batch/creditledger.h"
#include "testgrid.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using pvc::core::CreditLedger;
using pvc::test::TestGrid;

namespace {
const QString alice = QStringLiteral("alice");
const QString bob = QStringLiteral("bob");
} // namespace

class TstCredits : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void ledgerReachesEachHost();

private:
    static QJsonObject credits(TestGrid& grid, const QString& host);
};

QJsonObject TstCredits::credits(TestGrid& grid, const QString& host)
{
    const auto run = grid.pvc(host, { QStringLiteral("credits"), QStringLiteral("--json") });
    return QJsonDocument::fromJson(run.out.toUtf8()).object();
}

void TstCredits::ledgerReachesEachHost()
{
    TestGrid grid;
    QVERIFY(grid.startJoinedGrid(1, { alice, bob }));
    QCOMPARE(credits(grid, alice).value(QLatin1String("total")).toDouble(), 0.0);

    CreditLedger ledger;
    QString error;
    QVERIFY2(ledger.open(grid.masterDir() + QStringLiteral("/ledger.db"), &error), qPrintable(error));
    QVERIFY(ledger.setTaskGrants(QStringLiteral("b1"), QStringLiteral("t1"),
        { { QStringLiteral("t1"), alice, 0.5, 216 }, { QStringLiteral("t1"), bob, 0.5, 216 } }));
    QVERIFY(ledger.setTaskGrants(
        QStringLiteral("b1"), QStringLiteral("t2"), { { QStringLiteral("t2"), alice, 0.25, 108 } }));

    QVERIFY2(
        TestGrid::waitFor([&] { return credits(grid, alice).value(QLatin1String("total")).toDouble() == 0.75; }, 15000),
        QJsonDocument(credits(grid, alice)).toJson().constData());
    const QJsonObject a = credits(grid, alice);
    QCOMPARE(a.value(QLatin1String("certified_tasks")).toInt(), 2);
    QVERIFY(a.value(QLatin1String("daily_average")).toDouble() > 0);
    const QJsonArray history = a.value(QLatin1String("history")).toArray();
    QCOMPARE(history.size(), 1);
    QCOMPARE(history.at(0).toObject().value(QLatin1String("date")).toString(),
        QDateTime::currentDateTimeUtc().date().toString(Qt::ISODate)); // days are UTC days
    QCOMPARE(history.at(0).toObject().value(QLatin1String("credits")).toDouble(), 0.75);
    QCOMPARE(a.value(QLatin1String("refused")).toInt(), 0);
    QVERIFY(
        TestGrid::waitFor([&] { return credits(grid, bob).value(QLatin1String("total")).toDouble() == 0.5; }, 15000));
    QCOMPARE(credits(grid, bob).value(QLatin1String("certified_tasks")).toInt(), 1);

    // The admin's ranking, as a table and as CSV.
    const auto table = grid.admin({ QStringLiteral("credits"), QStringLiteral("--dir"), grid.masterDir() });
    QCOMPARE(table.exitCode, 0);
    const QStringList rows = table.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QVERIFY2(rows.size() == 3 && rows[1].contains(alice) && rows[2].contains(bob), qPrintable(table.out));
    const auto csv = grid.admin({ QStringLiteral("credits"), QStringLiteral("--dir"), grid.masterDir(),
        QStringLiteral("--csv"), QStringLiteral("-") });
    QVERIFY2(csv.out.startsWith(QLatin1String("rank,host,credit,recent_average,certified_tasks,statement_version\n"
                                              "1,alice,0.750000,")),
        qPrintable(csv.out));
    QVERIFY(csv.out.contains(QLatin1String("\n2,bob,0.500000,")));

    // A task opened again loses its grant, and the hosts see it.
    QVERIFY(ledger.setTaskGrants(QStringLiteral("b1"), QStringLiteral("t2"), {}));
    QVERIFY(
        TestGrid::waitFor([&] { return credits(grid, alice).value(QLatin1String("total")).toDouble() == 0.5; }, 15000));

    // pvcd restarts with the broker and master gone: the statement it kept is shown, checked again.
    const qint64 version = credits(grid, alice).value(QLatin1String("version")).toInteger();
    QVERIFY(version > 0);
    grid.stopMaster();
    grid.stopBroker(0, true);
    grid.stopHost(alice, false);
    QVERIFY(grid.startHost(alice));
    const QJsonObject kept = credits(grid, alice);
    QCOMPARE(kept.value(QLatin1String("total")).toDouble(), 0.5);
    QCOMPARE(kept.value(QLatin1String("version")).toInteger(), version);
}

QTEST_GUILESS_MAIN(TstCredits)
#include "tst_credits.moc"
