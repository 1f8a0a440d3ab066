// Issue 2, check 5: with two brokers, killing one changes nothing for the members, and a
// restarted broker comes back with its state from disk.
#include "testgrid.h"

#include <QElapsedTimer>
#include <QTest>

using pvc::test::TestGrid;

class TstBrokerFailover : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void membersSurviveABrokerAndItsRestart();
};

void TstBrokerFailover::membersSurviveABrokerAndItsRestart()
{
    TestGrid grid;
    const QString alice = QStringLiteral("alice"), bob = QStringLiteral("bob");
    QVERIFY(grid.startJoinedGrid(2, { alice, bob }));
    auto authenticated = [&] {
        return grid.peer(alice, bob).value(QLatin1String("status")).toString() == QLatin1String("authenticated")
            && grid.peer(bob, alice).value(QLatin1String("status")).toString() == QLatin1String("authenticated");
    };
    QVERIFY(TestGrid::waitFor(authenticated, 30000));

    // Kill the broker that relays the authenticated session.
    const QString via = grid.peer(alice, bob).value(QLatin1String("via")).toString();
    const int used = int(grid.brokerAddresses().indexOf(via));
    QVERIFY2(used >= 0, qPrintable(via));
    const int other = 1 - used;
    QElapsedTimer timer;
    timer.start();
    grid.stopBroker(used, true);
    QVERIFY(TestGrid::waitFor(
        [&] {
            return authenticated()
                && grid.peer(alice, bob).value(QLatin1String("via")).toString() == grid.brokerAddresses().at(other);
        },
        20000));
    qInfo("re-authenticated through the other broker %lld ms after the kill", timer.elapsed());
    QCOMPARE(grid.status(alice).value(QLatin1String("state")).toString(), QStringLiteral("member"));
    QCOMPARE(grid.status(bob).value(QLatin1String("state")).toString(), QStringLiteral("member"));
    QCOMPARE(grid.pvc(alice, { QStringLiteral("ping"), bob }).exitCode, 0);

    // The restarted broker must know bob from its disk alone: bob is not running when it starts,
    // and alice restarts with an empty directory after the other broker is gone.
    grid.stopHost(bob);
    grid.startBroker(used);
    QVERIFY(TestGrid::waitFor(
        [&] {
            const QJsonArray brokers = grid.status(alice).value(QLatin1String("brokers")).toArray();
            return brokers.at(used).toObject().value(QLatin1String("role")).toString() == QLatin1String("member");
        },
        45000));
    grid.stopBroker(other, true);
    grid.stopHost(alice);
    grid.startHost(alice);
    QVERIFY(TestGrid::waitFor(
        [&] { return grid.peer(alice, bob).value(QLatin1String("status")).toString() == QLatin1String("offline"); },
        20000));
    const QJsonObject remembered = grid.peer(alice, bob);
    QVERIFY(remembered.value(QLatin1String("virtual_ip")).toString().startsWith(QLatin1String("240.9.")));
    QVERIFY(!remembered.value(QLatin1String("last_seen")).toString().isEmpty());

    // bob comes back and the pair authenticates through the restarted broker.
    grid.startHost(bob);
    QVERIFY(TestGrid::waitFor(authenticated, 30000));
    QCOMPARE(grid.peer(alice, bob).value(QLatin1String("via")).toString(), grid.brokerAddresses().at(used));
}

QTEST_GUILESS_MAIN(TstBrokerFailover)
#include "tst_brokerfailover.moc"
