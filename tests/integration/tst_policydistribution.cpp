// Issue 3, policy distribution: the master's global policy reaches every member through the
// brokers (signed, never rolled back), and the owner's local policy is set with `pvc set policy`.
#include "testgrid.h"

#include <QFile>
#include <QTest>

using pvc::test::TestGrid;

class TstPolicyDistribution : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void globalAndLocalPolicies();
};

static QString writeFile(const TestGrid& grid, const QString& name, const QByteArray& content)
{
    const QString path = grid.dir() + QLatin1Char('/') + name;
    QFile file(path);
    file.open(QIODevice::WriteOnly);
    file.write(content);
    return path;
}

void TstPolicyDistribution::globalAndLocalPolicies()
{
    TestGrid grid;
    QVERIFY(grid.startJoinedGrid(2, { QStringLiteral("alice"), QStringLiteral("bob") }));
    auto policyOf = [&](const QString& host) { return grid.status(host).value(QLatin1String("policy")).toObject(); };
    QCOMPARE(policyOf(QStringLiteral("alice")).value(QLatin1String("global_version")).toInteger(), 0);

    // A bad policy file is refused by the admin tool with the reason.
    const QString bad = writeFile(grid, QStringLiteral("bad.json"),
        R"({"format":"pvc-policy-1","rules":[{"from":"any","to":"any","proto":"tcp","ports":"99999"}]})");
    const auto refused = grid.admin(
        { QStringLiteral("policy"), QStringLiteral("--dir"), grid.masterDir(), QStringLiteral("set"), bad });
    QCOMPARE(refused.exitCode, 1);
    QVERIFY2(refused.err.contains(QLatin1String("not a valid policy")), qPrintable(refused.err));

    const QString global = writeFile(grid, QStringLiteral("global.json"),
        R"({"format":"pvc-policy-1","rules":[{"from":"group:volunteer","to":"group:master","proto":"tcp","ports":"9123"}]})");
    const auto set = grid.admin(
        { QStringLiteral("policy"), QStringLiteral("--dir"), grid.masterDir(), QStringLiteral("set"), global });
    QCOMPARE(set.exitCode, 0);
    for (const QString& host : { QStringLiteral("alice"), QStringLiteral("bob") })
        QVERIFY(TestGrid::waitFor(
            [&] {
                const QJsonObject policy = policyOf(host);
                return policy.value(QLatin1String("global_version")).toInteger() == 1
                    && policy.value(QLatin1String("global_rules")).toInt() == 1;
            },
            5000));

    // The owner narrows it locally; a malformed local policy is refused with its code.
    const QString local = writeFile(grid, QStringLiteral("local.json"), R"({"format":"pvc-policy-1","rules":[]})");
    QCOMPARE(grid.pvc(QStringLiteral("alice"), { QStringLiteral("set"), QStringLiteral("policy"), local }).exitCode, 0);
    QCOMPARE(policyOf(QStringLiteral("alice")).value(QLatin1String("local_rules")).toInt(), 0);
    const auto malformed = grid.pvc(QStringLiteral("alice"), { QStringLiteral("set"), QStringLiteral("policy"), bad });
    QCOMPARE(malformed.exitCode, 2);
    QVERIFY2(malformed.err.contains(QLatin1String("policy.")), qPrintable(malformed.err));

    // Both survive a restart of pvcd, even with no broker reachable.
    grid.stopBroker(0);
    grid.stopBroker(1);
    grid.stopHost(QStringLiteral("alice"));
    grid.startHost(QStringLiteral("alice"));
    const QJsonObject restored = policyOf(QStringLiteral("alice"));
    QCOMPARE(restored.value(QLatin1String("global_version")).toInteger(), 1);
    QVERIFY(restored.contains(QLatin1String("local_rules")));
    QCOMPARE(
        grid.pvc(QStringLiteral("alice"), { QStringLiteral("set"), QStringLiteral("policy"), QStringLiteral("none") })
            .exitCode,
        0);
    QVERIFY(!policyOf(QStringLiteral("alice")).contains(QLatin1String("local_rules")));
}

QTEST_GUILESS_MAIN(TstPolicyDistribution)
#include "tst_policydistribution.moc"
