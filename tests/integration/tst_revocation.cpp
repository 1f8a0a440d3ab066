// Issue 2, check 3: after `pvc-admin revoke`, the other members refuse the revoked host within
// seconds, its own status says so, and it cannot come back through a broker.
#include "testgrid.h"

#include <QElapsedTimer>
#include <QTest>

using pvc::test::TestGrid;

class TstRevocation : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void revokedHostIsRefused();
};

static QString statusOf(TestGrid& grid, const QString& host, const QString& peer)
{
    return grid.peer(host, peer).value(QLatin1String("status")).toString();
}

void TstRevocation::revokedHostIsRefused()
{
    TestGrid grid;
    const QString alice = QStringLiteral("alice"), bob = QStringLiteral("bob"), carol = QStringLiteral("carol");
    QVERIFY(grid.startJoinedGrid(2, { alice, bob, carol }));
    QVERIFY(TestGrid::waitFor(
        [&] {
            return statusOf(grid, alice, carol) == QLatin1String("authenticated")
                && statusOf(grid, bob, carol) == QLatin1String("authenticated");
        },
        15000));

    QElapsedTimer timer;
    timer.start();
    const auto revoke = grid.admin({ QStringLiteral("revoke"), QStringLiteral("--dir"), grid.masterDir(), carol });
    QCOMPARE(revoke.exitCode, 0);

    QVERIFY(TestGrid::waitFor(
        [&] {
            return statusOf(grid, alice, carol) == QLatin1String("revoked")
                && statusOf(grid, bob, carol) == QLatin1String("revoked");
        },
        5000));
    qInfo("others refused the revoked host after %lld ms", timer.elapsed());
    QVERIFY(TestGrid::waitFor(
        [&] { return grid.status(carol).value(QLatin1String("state")).toString() == QLatin1String("revoked"); }, 5000));
    const auto carolStatus = grid.pvc(carol, { QStringLiteral("status") });
    QVERIFY2(carolStatus.out.contains(QLatin1String("revoked")), qPrintable(carolStatus.out));

    // A ping over the old channel fails, and the others still reach each other.
    QVERIFY(grid.pvc(alice, { QStringLiteral("ping"), carol }).exitCode != 0);
    QCOMPARE(grid.pvc(alice, { QStringLiteral("ping"), bob }).exitCode, 0);

    // A restart does not bring it back: the host keeps the signed list, the brokers refuse it.
    grid.stopHost(carol);
    grid.startHost(carol);
    QVERIFY(TestGrid::waitFor(
        [&] { return grid.status(carol).value(QLatin1String("state")).toString() == QLatin1String("revoked"); }, 5000));
    QTest::qWait(2000);
    QCOMPARE(statusOf(grid, alice, carol), QStringLiteral("revoked"));

    // A member that restarts keeps refusing it: pvcd applies the signed list it stored, not only a newer
    // one a broker pushes later (the brokers push the same version, which changes nothing).
    grid.stopHost(alice);
    grid.startHost(alice);
    QVERIFY(TestGrid::waitFor([&] { return !statusOf(grid, alice, carol).isEmpty(); }, 10000));
    QTest::qWait(1000);
    QCOMPARE(statusOf(grid, alice, carol), QStringLiteral("revoked"));

    // The master lists it as revoked.
    const auto hosts
        = grid.admin({ QStringLiteral("hosts"), QStringLiteral("--dir"), grid.masterDir(), QStringLiteral("--json") });
    QVERIFY(hosts.out.contains(QLatin1String("\"revoked\": true")));
}

QTEST_GUILESS_MAIN(TstRevocation)
#include "tst_revocation.moc"
