// Issue 2, checks 1 and 7: two volunteers join through two brokers, get distinct virtual IPs,
// authenticate each other, and their keys stay private.
#include "testgrid.h"

#include <QDir>
#include <QFileInfo>
#include <QHostAddress>
#include <QTest>

using pvc::test::TestGrid;

class TstJoin : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void twoVolunteersJoinAndAuthenticate();
    void joinWaitsForAnOfflineMaster();

private:
    void checkFilesAreSafe(TestGrid& grid);
};

void TstJoin::twoVolunteersJoinAndAuthenticate()
{
    TestGrid grid;
    QVERIFY(grid.startJoinedGrid(2, { QStringLiteral("alice"), QStringLiteral("bob") }));

    const QJsonObject alice = grid.status(QStringLiteral("alice"));
    const QJsonObject bob = grid.status(QStringLiteral("bob"));
    QCOMPARE(alice.value(QLatin1String("state")).toString(), QStringLiteral("member"));
    QCOMPARE(bob.value(QLatin1String("state")).toString(), QStringLiteral("member"));
    const QString aliceIp = alice.value(QLatin1String("virtual_ip")).toString();
    const QString bobIp = bob.value(QLatin1String("virtual_ip")).toString();
    QVERIFY(QHostAddress(aliceIp).isInSubnet(QHostAddress::parseSubnet(QStringLiteral("240.9.0.0/16"))));
    QVERIFY(QHostAddress(bobIp).isInSubnet(QHostAddress::parseSubnet(QStringLiteral("240.9.0.0/16"))));
    QVERIFY(aliceIp != bobIp);

    // Both brokers hold a member session for each host.
    QVERIFY(TestGrid::waitFor(
        [&] {
            const QJsonArray brokers = grid.status(QStringLiteral("alice")).value(QLatin1String("brokers")).toArray();
            return brokers.size() == 2 && brokers[0].toObject().value(QLatin1String("connected")).toBool()
                && brokers[1].toObject().value(QLatin1String("connected")).toBool()
                && brokers[0].toObject().value(QLatin1String("role")).toString() == QLatin1String("member");
        },
        10000));

    // Each sees the other as authenticated, with the master-assigned address.
    QVERIFY(TestGrid::waitFor(
        [&] {
            return grid.peer(QStringLiteral("alice"), QStringLiteral("bob")).value(QLatin1String("status")).toString()
                == QLatin1String("authenticated")
                && grid.peer(QStringLiteral("bob"), QStringLiteral("alice")).value(QLatin1String("status")).toString()
                == QLatin1String("authenticated");
        },
        15000));
    QCOMPARE(
        grid.peer(QStringLiteral("alice"), QStringLiteral("bob")).value(QLatin1String("virtual_ip")).toString(), bobIp);
    QCOMPARE(grid.peer(QStringLiteral("bob"), QStringLiteral("alice")).value(QLatin1String("virtual_ip")).toString(),
        aliceIp);

    const auto ping = grid.pvc(QStringLiteral("alice"), { QStringLiteral("ping"), QStringLiteral("bob") });
    QCOMPARE(ping.exitCode, 0);
    QVERIFY2(ping.out.contains(QLatin1String("authenticated, round trip")), qPrintable(ping.out));

    // The master's list has both, with their addresses.
    const auto hosts = grid.admin({ QStringLiteral("hosts"), QStringLiteral("--dir"), grid.masterDir() });
    QCOMPARE(hosts.exitCode, 0);
    QVERIFY(hosts.out.contains(QLatin1String("alice")) && hosts.out.contains(aliceIp));
    QVERIFY(hosts.out.contains(QLatin1String("bob")) && hosts.out.contains(bobIp));

    // Joining twice is refused clearly.
    const auto again = grid.pvc(QStringLiteral("alice"),
        { QStringLiteral("join"), QStringLiteral("--invite"), grid.invite(), QStringLiteral("--name"),
            QStringLiteral("alice") });
    QCOMPARE(again.exitCode, 2);
    QVERIFY(again.err.contains(QLatin1String("join.already_member")));

    checkFilesAreSafe(grid);

    // Leaving forgets the membership; the same machine can join again under its name and keeps its address.
    const auto leave = grid.pvc(QStringLiteral("alice"), { QStringLiteral("leave") });
    QCOMPARE(leave.exitCode, 0);
    const QJsonObject left = grid.status(QStringLiteral("alice"));
    QCOMPARE(left.value(QLatin1String("state")).toString(), QStringLiteral("disconnected"));
    QVERIFY(!left.contains(QLatin1String("error")));
    QVERIFY(grid.join(QStringLiteral("alice"), grid.invite()));
    QCOMPARE(grid.status(QStringLiteral("alice")).value(QLatin1String("virtual_ip")).toString(), aliceIp);
}

void TstJoin::joinWaitsForAnOfflineMaster()
{
    TestGrid grid;
    QVERIFY(grid.init(1));
    grid.startBroker(0);
    grid.startHost(QStringLiteral("dora"));
    const QString token = grid.invite();

    // No master is running: the request is queued at the broker and the CLI says so.
    const auto early = grid.pvc(QStringLiteral("dora"),
        { QStringLiteral("join"), QStringLiteral("--invite"), token, QStringLiteral("--name"), QStringLiteral("dora"),
            QStringLiteral("--timeout"), QStringLiteral("2") });
    QCOMPARE(early.exitCode, 2);
    QVERIFY2(early.err.contains(QLatin1String("enrol.timeout")), qPrintable(early.err));
    QCOMPARE(grid.status(QStringLiteral("dora")).value(QLatin1String("state")).toString(), QStringLiteral("enrolling"));

    // The master comes online, finds the queued request, and the host becomes a member by itself.
    grid.startMaster();
    QVERIFY(TestGrid::waitFor(
        [&] {
            return grid.status(QStringLiteral("dora")).value(QLatin1String("state")).toString()
                == QLatin1String("member");
        },
        15000));
    QVERIFY(grid.status(QStringLiteral("dora"))
                .value(QLatin1String("virtual_ip"))
                .toString()
                .startsWith(QLatin1String("240.9.0.")));
}

void TstJoin::checkFilesAreSafe(TestGrid& grid)
{
    const QFile::Permissions ownerOnly = QFile::ReadOwner | QFile::WriteOwner;
    const QStringList keyFiles { grid.masterDir() + QStringLiteral("/ca.key"),
        grid.stateDir(QStringLiteral("alice")) + QStringLiteral("/host.key"),
        grid.stateDir(QStringLiteral("bob")) + QStringLiteral("/host.key"),
        grid.dir() + QStringLiteral("/broker0/broker-tls.key"), grid.masterDir() + QStringLiteral("/master.sqlite") };
    for (const QString& path : keyFiles) {
        QVERIFY2(QFileInfo::exists(path), qPrintable(path));
        const QFile::Permissions permissions = QFileInfo(path).permissions()
            & (QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner | QFile::ReadGroup | QFile::WriteGroup
                | QFile::ExeGroup | QFile::ReadOther | QFile::WriteOther | QFile::ExeOther);
        QVERIFY2(
            permissions == ownerOnly, qPrintable(path + QStringLiteral(" has mode %1").arg(int(permissions), 0, 16)));
    }

    // No private key, nor any line of one, appears in any log.
    const QString logs = grid.allLogs();
    QVERIFY(logs.contains(QLatin1String("pvc.daemon"))); // the logs are really there
    QVERIFY(!logs.contains(QLatin1String("PRIVATE KEY")));
    for (const QString& path : keyFiles.mid(0, 4)) {
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        for (const QByteArray& line : file.readAll().split('\n'))
            if (line.size() > 20 && !line.startsWith("-----"))
                QVERIFY2(!logs.contains(QString::fromLatin1(line)), "a private key line was logged");
    }
}

QTEST_GUILESS_MAIN(TstJoin)
#include "tst_join.moc"
