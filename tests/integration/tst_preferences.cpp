// Issue 5, test 2 from the command line, and the owner's policy through the control API: the
// preferences change `pvc status --json` at once and survive a restart of pvcd; a pause shows as
// paused by the owner until `pvc resume`; bad values are refused with exit code 2 and their code.
#include "testgrid.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QTest>

using pvc::test::TestGrid;

class TstPreferences : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void preferencesStickAndPolicyShows();
};

void TstPreferences::preferencesStickAndPolicyShows()
{
    TestGrid grid;
    QVERIFY(grid.init(1));
    const QString alice = QStringLiteral("alice");
    grid.startHost(alice); // no broker, no membership: the owner's preferences need neither
    const auto computing = [&] { return grid.status(alice).value(QLatin1String("computing")).toObject(); };
    const auto preferences = [&] { return computing().value(QLatin1String("preferences")).toObject(); };
    const auto set = [&](const QStringList& arguments) {
        const auto result = grid.pvc(alice, QStringList { QStringLiteral("set") } + arguments);
        if (result.exitCode != 0)
            qWarning() << "pvc set" << arguments << "failed:" << result.exitCode << result.err;
        return result.exitCode;
    };

    QJsonObject shown = computing();
    QVERIFY2(!shown.isEmpty(), "pvc status --json has no computing object");
    QVERIFY(shown.contains(QLatin1String("idle_source")));
    QVERIFY(shown.contains(QLatin1String("on_battery")));
    const int maxCores = shown.value(QLatin1String("preferences")).toObject().value(QLatin1String("max_cores")).toInt();
    QVERIFY(maxCores >= 1);

    QCOMPARE(set({ QStringLiteral("cores"), QStringLiteral("1") }), 0);
    QCOMPARE(computing().value(QLatin1String("cores")).toInt(), 1);
    QCOMPARE(preferences().value(QLatin1String("cores")).toInt(), 1);
    QCOMPARE(set({ QStringLiteral("idle-minutes"), QStringLiteral("7") }), 0);
    QCOMPARE(preferences().value(QLatin1String("idle_minutes")).toInt(), 7);
    QCOMPARE(set({ QStringLiteral("when-in-use"), QStringLiteral("throttle"), QStringLiteral("--percent"),
                 QStringLiteral("35") }),
        0);
    QCOMPARE(set({ QStringLiteral("window"), QStringLiteral("22:30-06:15") }), 0);
    QJsonObject p = preferences();
    QCOMPARE(p.value(QLatin1String("when_in_use")).toString(), QStringLiteral("throttle"));
    QCOMPARE(p.value(QLatin1String("throttle_percent")).toInt(), 35);
    QCOMPARE(p.value(QLatin1String("window_enabled")).toBool(), true);
    QCOMPARE(p.value(QLatin1String("window_start")).toString(), QStringLiteral("22:30"));
    QCOMPARE(p.value(QLatin1String("window_end")).toString(), QStringLiteral("06:15"));
    QCOMPARE(set({ QStringLiteral("window"), QStringLiteral("off") }), 0);
    QCOMPARE(set({ QStringLiteral("when-in-use"), QStringLiteral("pause") }), 0);
    QCOMPARE(set({ QStringLiteral("cores"), QStringLiteral("all-but-one") }), 0);
    QCOMPARE(computing().value(QLatin1String("cores")).toInt(), std::max(1, maxCores - 1));
    QCOMPARE(set({ QStringLiteral("cores"), QStringLiteral("1") }), 0);

    // Everything holds across a restart of pvcd.
    grid.stopHost(alice, false);
    grid.startHost(alice);
    p = preferences();
    QCOMPARE(p.value(QLatin1String("cores")).toInt(), 1);
    QCOMPARE(p.value(QLatin1String("all_but_one")).toBool(), false);
    QCOMPARE(p.value(QLatin1String("idle_minutes")).toInt(), 7);
    QCOMPARE(p.value(QLatin1String("throttle_percent")).toInt(), 35);
    QCOMPARE(p.value(QLatin1String("window_enabled")).toBool(), false);
    QCOMPARE(computing().value(QLatin1String("cores")).toInt(), 1);

    // With no idle time required and battery allowed, nothing stops the grid (pvcd does not guess).
    QCOMPARE(set({ QStringLiteral("idle-minutes"), QStringLiteral("0") }), 0);
    QCOMPARE(set({ QStringLiteral("battery"), QStringLiteral("on") }), 0);
    shown = computing();
    QCOMPARE(shown.value(QLatin1String("state")).toString(), QStringLiteral("running"));
    QCOMPARE(shown.value(QLatin1String("reason")).toString(), QStringLiteral("policy.running"));

    // Pause for an hour: paused by the owner, with its end, in JSON and in words; it survives a restart.
    const auto paused = grid.pvc(alice, { QStringLiteral("pause"), QStringLiteral("60") });
    QCOMPARE(paused.exitCode, 0);
    QVERIFY2(paused.out.contains(QLatin1String("policy.paused_by_owner")), qPrintable(paused.out));
    shown = computing();
    QCOMPARE(shown.value(QLatin1String("state")).toString(), QStringLiteral("paused"));
    QCOMPARE(shown.value(QLatin1String("reason")).toString(), QStringLiteral("policy.paused_by_owner"));
    const QDateTime until = QDateTime::fromString(shown.value(QLatin1String("paused_until")).toString(), Qt::ISODate);
    QVERIFY(qAbs(QDateTime::currentDateTimeUtc().addSecs(3600).secsTo(until)) < 120);
    const auto text = grid.pvc(alice, { QStringLiteral("status") });
    QVERIFY2(text.out.contains(QLatin1String("Computing:  paused")), qPrintable(text.out));
    QVERIFY2(text.out.contains(QLatin1String("[policy.paused_by_owner]")), qPrintable(text.out));
    grid.stopHost(alice);
    grid.startHost(alice);
    QCOMPARE(computing().value(QLatin1String("reason")).toString(), QStringLiteral("policy.paused_by_owner"));

    QCOMPARE(grid.pvc(alice, { QStringLiteral("resume") }).exitCode, 0);
    shown = computing();
    QCOMPARE(shown.value(QLatin1String("reason")).toString(), QStringLiteral("policy.running"));
    QVERIFY(!shown.contains(QLatin1String("paused_until")));

    // Finish then pause with no work running: paused at once, until resumed.
    QCOMPARE(grid.pvc(alice, { QStringLiteral("finish") }).exitCode, 0);
    QCOMPARE(computing().value(QLatin1String("reason")).toString(), QStringLiteral("policy.finished"));
    QCOMPARE(grid.pvc(alice, { QStringLiteral("resume") }).exitCode, 0);
    QCOMPARE(computing().value(QLatin1String("reason")).toString(), QStringLiteral("policy.running"));

    // Bad values: refused by pvcd with exit code 2 and the code, and nothing changes.
    const QJsonObject before = preferences();
    const QList<QStringList> refusals { { QStringLiteral("set"), QStringLiteral("cores"), QStringLiteral("0") },
        { QStringLiteral("set"), QStringLiteral("cores"), QString::number(maxCores + 1) },
        { QStringLiteral("set"), QStringLiteral("cores"), QStringLiteral("many") },
        { QStringLiteral("set"), QStringLiteral("idle-minutes"), QStringLiteral("241") },
        { QStringLiteral("set"), QStringLiteral("when-in-use"), QStringLiteral("sometimes") },
        { QStringLiteral("set"), QStringLiteral("throttle"), QStringLiteral("5") },
        { QStringLiteral("set"), QStringLiteral("battery"), QStringLiteral("maybe") },
        { QStringLiteral("set"), QStringLiteral("window"), QStringLiteral("25:00-07:00") },
        { QStringLiteral("set"), QStringLiteral("window"), QStringLiteral("08:00") },
        { QStringLiteral("pause"), QStringLiteral("0") }, { QStringLiteral("pause"), QStringLiteral("1441") } };
    for (const QStringList& arguments : refusals) {
        const auto refused = grid.pvc(alice, arguments);
        QVERIFY2(
            refused.exitCode == 2, qPrintable(arguments.join(QLatin1Char(' ')) + QStringLiteral(": ") + refused.err));
        QVERIFY2(refused.err.contains(QLatin1String("[prefs.bad_value]")), qPrintable(refused.err));
    }
    QCOMPARE(preferences(), before);
    QCOMPARE(computing().value(QLatin1String("reason")).toString(), QStringLiteral("policy.running"));

    // Credits: nothing earned before the grid layer, and no invented numbers.
    const auto credits = grid.pvc(alice, { QStringLiteral("credits"), QStringLiteral("--json") });
    QCOMPARE(credits.exitCode, 0);
    const QJsonObject ledger = QJsonDocument::fromJson(credits.out.toUtf8()).object();
    QCOMPARE(ledger.value(QLatin1String("total")).toDouble(-1), 0.0);
    QCOMPARE(ledger.value(QLatin1String("certified_tasks")).toInt(-1), 0);
    QVERIFY(ledger.value(QLatin1String("history")).isArray());
    QVERIFY(ledger.value(QLatin1String("history")).toArray().isEmpty());

    // The local network policy's command still works beside the preferences.
    QCOMPARE(grid.pvc(alice, { QStringLiteral("set"), QStringLiteral("policy"), QStringLiteral("none") }).exitCode, 0);
}

QTEST_GUILESS_MAIN(TstPreferences)
#include "tst_preferences.moc"
