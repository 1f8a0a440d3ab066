// Issue 5, test 3: the owner's policy machine is right. It is driven here through its inputs and
// a replaceable clock, and through OwnerControl with replaceable idle and battery sources.
#include "grid/batterysource.h"
#include "grid/idlesource.h"
#include "grid/ownercontrol.h"
#include "grid/ownerpolicy.h"

#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace pvc::core;
using State = PolicyDecision::State;

namespace {

const QDateTime Noon(QDate(2026, 3, 2), QTime(12, 0));

class FakeIdle : public IdleSource {
public:
    explicit FakeIdle(std::optional<int>* seconds)
        : m_seconds(seconds)
    {
    }
    std::optional<int> idleSeconds() override { return *m_seconds; }
    QString name() const override { return QStringLiteral("fake"); }

private:
    std::optional<int>* m_seconds;
};

class FakeBattery : public BatterySource {
public:
    explicit FakeBattery(bool* onBattery)
        : m_onBattery(onBattery)
    {
    }
    bool onBattery() override { return *m_onBattery; }

private:
    bool* m_onBattery;
};

PolicyInputs idleMachine()
{
    PolicyInputs in;
    in.preferences.idleMinutes = 5;
    in.availableCores = 8;
    in.preferences.cores = 8;
    in.idleSeconds = 3600;
    return in;
}

PolicyDecision decideAt(const PolicyInputs& in, const QDateTime& now = Noon)
{
    return OwnerPolicy([now] { return now; }).decide(in);
}

bool writeFile(const QString& path, const QByteArray& content)
{
    QDir().mkpath(QFileInfo(path).path());
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(content) == content.size();
}

} // namespace

class TstOwnerPolicy : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void idleMachineRuns();
    void activeOwnerPauses();
    void activeOwnerThrottles();
    void unknownIdleCountsAsInUse();
    void battery();
    void window_data();
    void window();
    void manualPauseAndExpiry();
    void finishThenPause();
    void allButOneCores();
    void controlFollowsSourcesAndClock();
    void controlCommandsHoldAcrossRestart();
    void controlRefusesBadCommands();
    void cpuLoadSource();
    void compositeTakesFirstAnswer();
    void sysfsBattery();
};

void TstOwnerPolicy::idleMachineRuns()
{
    const PolicyDecision d = decideAt(idleMachine());
    QCOMPARE(d.state, State::Running);
    QCOMPARE(d.reason, QStringLiteral("policy.running"));
    QCOMPARE(d.stateName(), QStringLiteral("running"));
    QCOMPARE(d.allowedCores, 8);
    QCOMPARE(d.throttlePercent, 100);
    QVERIFY(d.acceptsNewWork);
}

void TstOwnerPolicy::activeOwnerPauses()
{
    PolicyInputs in = idleMachine();
    in.idleSeconds = 5 * 60 - 1; // one second short of the owner's five idle minutes
    PolicyDecision d = decideAt(in);
    QCOMPARE(d.state, State::Paused);
    QCOMPARE(d.reason, QStringLiteral("policy.user_active"));
    QCOMPARE(d.allowedCores, 0);
    QCOMPARE(d.throttlePercent, 0);
    QVERIFY(!d.acceptsNewWork);

    in.idleSeconds = 5 * 60;
    QCOMPARE(decideAt(in).reason, QStringLiteral("policy.running"));

    // idle_minutes 0: compute even while the owner is at the keyboard.
    in.preferences.idleMinutes = 0;
    in.idleSeconds = 0;
    QCOMPARE(decideAt(in).state, State::Running);
}

void TstOwnerPolicy::activeOwnerThrottles()
{
    PolicyInputs in = idleMachine();
    in.preferences.whenInUse = OwnerPreferences::WhenInUse::Throttle;
    in.preferences.throttlePercent = 40;
    in.idleSeconds = 0;
    const PolicyDecision d = decideAt(in);
    QCOMPARE(d.state, State::Throttled);
    QCOMPARE(d.stateName(), QStringLiteral("throttled"));
    QCOMPARE(d.reason, QStringLiteral("policy.throttled_user_active"));
    QCOMPARE(d.throttlePercent, 40);
    QCOMPARE(d.allowedCores, 8);
    QVERIFY(d.acceptsNewWork);

    in.idleSeconds = 600;
    QCOMPARE(decideAt(in).state, State::Running);
    QCOMPARE(decideAt(in).throttlePercent, 100);
}

void TstOwnerPolicy::unknownIdleCountsAsInUse()
{
    PolicyInputs in = idleMachine();
    in.idleSeconds.reset();
    QCOMPARE(decideAt(in).reason, QStringLiteral("policy.user_active"));
    in.preferences.idleMinutes = 0;
    QCOMPARE(decideAt(in).reason, QStringLiteral("policy.running"));
}

void TstOwnerPolicy::battery()
{
    PolicyInputs in = idleMachine();
    in.onBattery = true;
    QCOMPARE(decideAt(in).state, State::Paused);
    QCOMPARE(decideAt(in).reason, QStringLiteral("policy.on_battery"));
    in.preferences.runOnBattery = true;
    QCOMPARE(decideAt(in).reason, QStringLiteral("policy.running"));
    // On mains the choice does not matter.
    in.onBattery = false;
    in.preferences.runOnBattery = false;
    QCOMPARE(decideAt(in).reason, QStringLiteral("policy.running"));
}

void TstOwnerPolicy::window_data()
{
    QTest::addColumn<QTime>("start");
    QTest::addColumn<QTime>("end");
    QTest::addColumn<QTime>("now");
    QTest::addColumn<bool>("inside");
    const QTime nine(9, 0), five(17, 0), ten(22, 0), six(6, 0);
    QTest::newRow("day: before") << nine << five << QTime(8, 59, 59) << false;
    QTest::newRow("day: at start") << nine << five << nine << true;
    QTest::newRow("day: inside") << nine << five << QTime(16, 59) << true;
    QTest::newRow("day: at end") << nine << five << five << false;
    QTest::newRow("day: night") << nine << five << QTime(23, 0) << false;
    QTest::newRow("night: evening") << ten << six << QTime(23, 30) << true;
    QTest::newRow("night: midnight") << ten << six << QTime(0, 0) << true;
    QTest::newRow("night: small hours") << ten << six << QTime(3, 0) << true;
    QTest::newRow("night: at end") << ten << six << six << false;
    QTest::newRow("night: noon") << ten << six << QTime(12, 0) << false;
    QTest::newRow("night: just before") << ten << six << QTime(21, 59) << false;
}

void TstOwnerPolicy::window()
{
    QFETCH(QTime, start);
    QFETCH(QTime, end);
    QFETCH(QTime, now);
    QFETCH(bool, inside);
    PolicyInputs in = idleMachine();
    in.preferences.windowEnabled = true;
    in.preferences.windowStart = start;
    in.preferences.windowEnd = end;
    const PolicyDecision d = decideAt(in, QDateTime(Noon.date(), now));
    QCOMPARE(d.state, inside ? State::Running : State::Paused);
    QCOMPARE(d.reason, inside ? QStringLiteral("policy.running") : QStringLiteral("policy.outside_window"));
    // A disabled window never pauses.
    in.preferences.windowEnabled = false;
    QCOMPARE(decideAt(in, QDateTime(Noon.date(), now)).reason, QStringLiteral("policy.running"));
}

void TstOwnerPolicy::manualPauseAndExpiry()
{
    PolicyInputs in = idleMachine();
    in.onBattery = true; // the owner's own pause is the reason given, before the battery
    in.pausedUntil = Noon.addSecs(3600);
    PolicyDecision d = decideAt(in);
    QCOMPARE(d.state, State::Paused);
    QCOMPARE(d.reason, QStringLiteral("policy.paused_by_owner"));
    QCOMPARE(d.pausedUntil, Noon.addSecs(3600));
    QCOMPARE(decideAt(in, Noon.addSecs(3599)).reason, QStringLiteral("policy.paused_by_owner"));
    // At the end of the pause the other rules apply again.
    d = decideAt(in, Noon.addSecs(3600));
    QCOMPARE(d.reason, QStringLiteral("policy.on_battery"));
    QVERIFY(!d.pausedUntil.isValid());
    in.onBattery = false;
    QCOMPARE(decideAt(in, Noon.addSecs(3600)).reason, QStringLiteral("policy.running"));
}

void TstOwnerPolicy::finishThenPause()
{
    PolicyInputs in = idleMachine();
    in.finishRequested = true;
    in.workRunning = true;
    PolicyDecision d = decideAt(in);
    QCOMPARE(d.state, State::Running);
    QCOMPARE(d.reason, QStringLiteral("policy.finishing"));
    QVERIFY(!d.acceptsNewWork);
    QCOMPARE(d.allowedCores, 8);

    in.workRunning = false;
    d = decideAt(in);
    QCOMPARE(d.state, State::Paused);
    QCOMPARE(d.reason, QStringLiteral("policy.finished"));
    QVERIFY(!d.acceptsNewWork);
    // Finished stays finished even when every other rule would let the grid run.
    in.preferences.idleMinutes = 0;
    QCOMPARE(decideAt(in).reason, QStringLiteral("policy.finished"));
}

void TstOwnerPolicy::allButOneCores()
{
    PolicyInputs in = idleMachine();
    in.preferences.allButOne = true;
    QCOMPARE(decideAt(in).allowedCores, 7);
    in.availableCores = 1;
    QCOMPARE(decideAt(in).allowedCores, 1);
    in.preferences.allButOne = false;
    in.availableCores = 8;
    in.preferences.cores = 3;
    QCOMPARE(decideAt(in).allowedCores, 3);
}

void TstOwnerPolicy::controlFollowsSourcesAndClock()
{
    QTemporaryDir dir;
    std::optional<int> idle = 0;
    bool onBattery = false;
    QDateTime now = Noon;
    OwnerControl control(dir.filePath(QStringLiteral("preferences.ini")), nullptr);
    control.setClock([&now] { return now; });
    control.setIdleSource(std::make_unique<FakeIdle>(&idle));
    control.setBatterySource(std::make_unique<FakeBattery>(&onBattery));
    control.setAvailableCores(4);
    QVERIFY(control.setPreferences(QJsonObject { { QStringLiteral("idle_minutes"), 2 } }).ok());
    QCOMPARE(control.decision().reason, QStringLiteral("policy.user_active"));
    QJsonObject status = control.statusJson();
    QCOMPARE(status.value(QLatin1String("state")).toString(), QStringLiteral("paused"));
    QCOMPARE(status.value(QLatin1String("idle_seconds")).toInt(), 0);
    QCOMPARE(status.value(QLatin1String("idle_source")).toString(), QStringLiteral("fake"));

    QSignalSpy changed(&control, &OwnerControl::stateChanged);
    idle = 120;
    control.evaluate();
    QCOMPARE(changed.count(), 1);
    QCOMPARE(control.decision().reason, QStringLiteral("policy.running"));
    control.evaluate(); // nothing changed: no signal
    QCOMPARE(changed.count(), 1);

    onBattery = true;
    control.evaluate();
    QCOMPARE(control.decision().reason, QStringLiteral("policy.on_battery"));
    QCOMPARE(control.statusJson().value(QLatin1String("on_battery")).toBool(), true);
    onBattery = false;

    // A manual pause ends by itself once the clock passes it.
    const auto paused = control.handleCommand(QStringLiteral("pause"), { { QStringLiteral("minutes"), 30 } });
    QVERIFY(paused && paused->ok());
    status = paused->value();
    QCOMPARE(status.value(QLatin1String("reason")).toString(), QStringLiteral("policy.paused_by_owner"));
    QCOMPARE(QDateTime::fromString(status.value(QLatin1String("paused_until")).toString(), Qt::ISODate),
        Noon.addSecs(30 * 60));
    now = Noon.addSecs(30 * 60);
    control.evaluate();
    QCOMPARE(control.decision().reason, QStringLiteral("policy.running"));
    QVERIFY(!control.statusJson().contains(QLatin1String("paused_until")));

    // Finish then pause: finishing while work runs, finished once it stops; resume clears it.
    control.setWorkRunning(true);
    QVERIFY(control.handleCommand(QStringLiteral("finish-then-pause"), {})->ok());
    QCOMPARE(control.decision().reason, QStringLiteral("policy.finishing"));
    QCOMPARE(control.statusJson().value(QLatin1String("accepts_new_work")).toBool(), false);
    control.setWorkRunning(false);
    QCOMPARE(control.decision().reason, QStringLiteral("policy.finished"));
    QCOMPARE(control.handleCommand(QStringLiteral("resume"), {})->value().value(QLatin1String("reason")).toString(),
        QStringLiteral("policy.running"));

    // The cores shown are the preference's, whatever the state.
    QVERIFY(
        control.handleCommand(QStringLiteral("set-preferences"), { { QStringLiteral("all_but_one"), true } })->ok());
    QCOMPARE(control.statusJson().value(QLatin1String("cores")).toInt(), 3);
    QVERIFY(!control.handleCommand(QStringLiteral("status"), {}));
}

void TstOwnerPolicy::controlCommandsHoldAcrossRestart()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("preferences.ini"));
    std::optional<int> idle = 3600;
    bool onBattery = false;
    const QDateTime now = QDateTime::currentDateTime();
    {
        OwnerControl control(path, nullptr);
        QVERIFY(
            control.handleCommand(QStringLiteral("set-preferences"), { { QStringLiteral("idle_minutes"), 9 } })->ok());
        QVERIFY(control.handleCommand(QStringLiteral("pause"), { { QStringLiteral("minutes"), 60 } })->ok());
    }
    OwnerControl restarted(path, nullptr);
    restarted.setIdleSource(std::make_unique<FakeIdle>(&idle));
    restarted.setBatterySource(std::make_unique<FakeBattery>(&onBattery));
    QCOMPARE(restarted.preferences().idleMinutes, 9);
    QCOMPARE(restarted.decision().reason, QStringLiteral("policy.paused_by_owner"));
    QVERIFY(qAbs(restarted.decision().pausedUntil.secsTo(now.addSecs(3600))) < 60);
    restarted.resume();
    QCOMPARE(restarted.decision().reason, QStringLiteral("policy.running"));
    OwnerControl again(path, nullptr);
    again.setIdleSource(std::make_unique<FakeIdle>(&idle));
    again.setBatterySource(std::make_unique<FakeBattery>(&onBattery));
    QCOMPARE(again.decision().reason, QStringLiteral("policy.running"));
}

void TstOwnerPolicy::controlRefusesBadCommands()
{
    QTemporaryDir dir;
    OwnerControl control(dir.filePath(QStringLiteral("preferences.ini")), nullptr);
    for (const QJsonValue& minutes : { QJsonValue(0), QJsonValue(1441), QJsonValue(1.5),
             QJsonValue(QStringLiteral("60")), QJsonValue(QJsonValue::Undefined) }) {
        const auto refused = control.handleCommand(QStringLiteral("pause"), { { QStringLiteral("minutes"), minutes } });
        QVERIFY(refused && !refused->ok());
        QCOMPARE(refused->error().code, QStringLiteral("prefs.bad_value"));
    }
    control.evaluate();
    QVERIFY(control.decision().reason != QLatin1String("policy.paused_by_owner"));
    QVERIFY(!control.statusJson().contains(QLatin1String("paused_until")));
    const auto refused = control.handleCommand(QStringLiteral("set-preferences"), { { QStringLiteral("cores"), 0 } });
    QCOMPARE(refused->error().code, QStringLiteral("prefs.bad_value"));
    QVERIFY(refused->error().detail.startsWith(QLatin1String("cores")));
    QCOMPARE(control.preferences().cores, OwnerPreferences::maxCores());
}

void TstOwnerPolicy::cpuLoadSource()
{
    QTemporaryDir dir;
    const QString stat = dir.filePath(QStringLiteral("stat"));
    QDateTime now = Noon;
    double gridSeconds = 0;
    // Two CPUs at 100 jiffies per second; fields: user nice system idle iowait irq softirq steal.
    const auto writeStat = [&](qint64 busy, qint64 idle) {
        const QByteArray line = "cpu  " + QByteArray::number(busy) + " 0 0 " + QByteArray::number(idle)
            + " 0 0 0 0 0 0\ncpu0 0 0 0 0 0 0 0 0 0 0\ncpu1 0 0 0 0 0 0 0 0 0 0\nintr 1\n";
        QVERIFY(writeFile(stat, line));
    };
    CpuLoadIdleSource source(stat, [&now] { return now; });
    source.setGridCpuSeconds([&gridSeconds] { return gridSeconds; });
    writeStat(0, 0);
    QCOMPARE(source.idleSeconds(), std::optional<int>(0)); // first sample: nothing known yet

    // 10 s quiet: 2 jiffies busy of 2000.
    now = now.addSecs(10);
    writeStat(2, 1998);
    QCOMPARE(source.idleSeconds(), std::optional<int>(10));
    // A second later, before the next sample is due: the same answer, one second older.
    now = now.addSecs(1);
    QCOMPARE(source.idleSeconds(), std::optional<int>(11));

    // 10 s with one core busy: the owner is there.
    now = now.addSecs(9);
    writeStat(1002, 2998);
    QCOMPARE(source.idleSeconds(), std::optional<int>(0));

    // 10 s with one core busy, all of it grid work: still quiet for the owner.
    now = now.addSecs(10);
    gridSeconds += 10;
    writeStat(2002, 3998);
    QCOMPARE(source.idleSeconds(), std::optional<int>(10));

    QVERIFY(QFile::remove(stat));
    now = now.addSecs(10);
    QCOMPARE(source.idleSeconds(), std::nullopt);
}

void TstOwnerPolicy::compositeTakesFirstAnswer()
{
    std::optional<int> none;
    std::optional<int> some = 42;
    std::vector<std::unique_ptr<IdleSource>> sources;
    sources.push_back(std::make_unique<FakeIdle>(&none));
    sources.push_back(std::make_unique<FakeIdle>(&some));
    CompositeIdleSource composite(std::move(sources));
    QCOMPARE(composite.idleSeconds(), std::optional<int>(42));
    QCOMPARE(composite.name(), QStringLiteral("fake"));
    some.reset();
    QCOMPARE(composite.idleSeconds(), std::nullopt);
    QCOMPARE(composite.name(), QStringLiteral("none"));
}

void TstOwnerPolicy::sysfsBattery()
{
    QTemporaryDir dir;
    const QString root = dir.path();
    SysfsBatterySource source(root);
    QVERIFY(!source.onBattery()); // no supply at all: a desktop

    QVERIFY(writeFile(root + QStringLiteral("/AC/type"), "Mains\n"));
    QVERIFY(writeFile(root + QStringLiteral("/AC/online"), "1\n"));
    QVERIFY(writeFile(root + QStringLiteral("/hid-mouse-battery/type"), "Battery\n"));
    QVERIFY(writeFile(root + QStringLiteral("/hid-mouse-battery/scope"), "Device\n"));
    QVERIFY(writeFile(root + QStringLiteral("/AC/online"), "0\n"));
    QVERIFY(!source.onBattery()); // a mouse's battery does not power the machine

    QVERIFY(writeFile(root + QStringLiteral("/BAT0/type"), "Battery\n"));
    QVERIFY(writeFile(root + QStringLiteral("/BAT0/present"), "1\n"));
    QVERIFY(writeFile(root + QStringLiteral("/BAT0/status"), "Discharging\n"));
    QVERIFY(source.onBattery());
    QVERIFY(writeFile(root + QStringLiteral("/AC/online"), "1\n"));
    QVERIFY(!source.onBattery());

    // No mains adapter listed: the battery's status tells.
    QVERIFY(QDir(root + QStringLiteral("/AC")).removeRecursively());
    QVERIFY(source.onBattery());
    QVERIFY(writeFile(root + QStringLiteral("/BAT0/status"), "Charging\n"));
    QVERIFY(!source.onBattery());
}

QTEST_GUILESS_MAIN(TstOwnerPolicy)
#include "tst_ownerpolicy.moc"
