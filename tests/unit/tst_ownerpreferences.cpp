// Issue 5, "Owner's policy in pvcd": the owner's preferences are validated, and pvcd keeps them
// in its state directory (QSettings) so that they hold without the GUI and across restarts.
#include "grid/ownerpreferences.h"

#include <QFile>
#include <QJsonDocument>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

using namespace pvc::core;

class TstOwnerPreferences : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void defaultsAreValid();
    void partialChangeKeepsTheRest();
    void roundTripThroughSettings();
    void badValuesAreRefused_data();
    void badValuesAreRefused();
    void damagedFileKeepsDefaults();
    void memoryAndDisk();
    void moreCoresThanTheMachineHas();
    void effectiveCores();
};

void TstOwnerPreferences::defaultsAreValid()
{
    const OwnerPreferences defaults;
    QCOMPARE(defaults.cores, OwnerPreferences::maxCores());
    QVERIFY(!defaults.windowEnabled);
    QVERIFY(defaults.seedWhenPaused); // members go on serving what they fetched unless the owner says otherwise
    const auto parsed = OwnerPreferences::fromJson(defaults.toJson());
    QVERIFY2(parsed.ok(), qPrintable(parsed.error().detail));
    QVERIFY(parsed.value() == defaults);
    QCOMPARE(defaults.toJson().value(QLatin1String("max_cores")).toInt(), OwnerPreferences::maxCores());
}

void TstOwnerPreferences::partialChangeKeepsTheRest()
{
    OwnerPreferences base;
    base.idleMinutes = 12;
    base.runOnBattery = true;
    const auto changed = OwnerPreferences::fromJson(
        QJsonObject { { QStringLiteral("when_in_use"), QStringLiteral("throttle") },
            { QStringLiteral("throttle_percent"), 30 }, { QStringLiteral("window_enabled"), true },
            { QStringLiteral("window_start"), QStringLiteral("23:15") },
            { QStringLiteral("window_end"), QStringLiteral("6:45") } },
        base);
    QVERIFY2(changed.ok(), qPrintable(changed.error().detail));
    QCOMPARE(changed->idleMinutes, 12);
    QVERIFY(changed->runOnBattery);
    QCOMPARE(changed->whenInUse, OwnerPreferences::WhenInUse::Throttle);
    QCOMPARE(changed->throttlePercent, 30);
    QVERIFY(changed->windowEnabled);
    QCOMPARE(changed->windowStart, QTime(23, 15));
    QCOMPARE(changed->windowEnd, QTime(6, 45));
    QCOMPARE(changed->toJson().value(QLatin1String("window_end")).toString(), QStringLiteral("06:45"));
}

void TstOwnerPreferences::roundTripThroughSettings()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("preferences.ini"));
    QVERIFY(OwnerPreferences::load(path) == OwnerPreferences()); // no file yet: the defaults

    OwnerPreferences chosen;
    chosen.cores = 1;
    chosen.allButOne = true;
    chosen.idleMinutes = 7;
    chosen.whenInUse = OwnerPreferences::WhenInUse::Throttle;
    chosen.throttlePercent = 25;
    chosen.runOnBattery = true;
    chosen.windowEnabled = true;
    chosen.windowStart = QTime(21, 30);
    chosen.windowEnd = QTime(5, 0);
    chosen.memoryPercent = 25;
    chosen.diskGb = 3;
    chosen.uploadKiBps = 512;
    chosen.downloadKiBps = 2048;
    chosen.cacheMb = 750;
    chosen.seedWhenPaused = false;
    QString error;
    QVERIFY2(chosen.save(path, &error), qPrintable(error));
    QVERIFY(QFile::exists(path));
    const OwnerPreferences loaded = OwnerPreferences::load(path);
    QCOMPARE(QJsonDocument(loaded.toJson()).toJson(), QJsonDocument(chosen.toJson()).toJson());
    QVERIFY(loaded == chosen);

    // Saving again replaces, and leaves other groups of the file alone.
    QSettings(path, QSettings::IniFormat).setValue(QStringLiteral("commands/finish_then_pause"), true);
    chosen.idleMinutes = 0;
    QVERIFY(chosen.save(path, &error));
    QCOMPARE(OwnerPreferences::load(path).idleMinutes, 0);
    QCOMPARE(QSettings(path, QSettings::IniFormat).value(QStringLiteral("commands/finish_then_pause")).toString(),
        QStringLiteral("true"));
}

void TstOwnerPreferences::badValuesAreRefused_data()
{
    QTest::addColumn<QString>("field");
    QTest::addColumn<QJsonValue>("value");
    const int max = OwnerPreferences::maxCores();
    QTest::newRow("no cores") << QStringLiteral("cores") << QJsonValue(0);
    QTest::newRow("more cores than the machine") << QStringLiteral("cores") << QJsonValue(max + 1);
    QTest::newRow("cores as text") << QStringLiteral("cores") << QJsonValue(QStringLiteral("1"));
    QTest::newRow("half a core") << QStringLiteral("cores") << QJsonValue(0.5);
    QTest::newRow("all but one as text") << QStringLiteral("all_but_one") << QJsonValue(QStringLiteral("yes"));
    QTest::newRow("negative idle") << QStringLiteral("idle_minutes") << QJsonValue(-1);
    QTest::newRow("idle over four hours") << QStringLiteral("idle_minutes") << QJsonValue(241);
    QTest::newRow("unknown when in use") << QStringLiteral("when_in_use") << QJsonValue(QStringLiteral("sometimes"));
    QTest::newRow("throttle too low") << QStringLiteral("throttle_percent") << QJsonValue(9);
    QTest::newRow("throttle over 100") << QStringLiteral("throttle_percent") << QJsonValue(101);
    QTest::newRow("battery as number") << QStringLiteral("run_on_battery") << QJsonValue(1);
    QTest::newRow("window as text") << QStringLiteral("window_enabled") << QJsonValue(QStringLiteral("on"));
    QTest::newRow("hour 25") << QStringLiteral("window_start") << QJsonValue(QStringLiteral("25:00"));
    QTest::newRow("empty end") << QStringLiteral("window_end") << QJsonValue(QString());
    QTest::newRow("empty window") << QStringLiteral("window_end") << QJsonValue(QStringLiteral("22:00"));
    QTest::newRow("unknown field") << QStringLiteral("gpu") << QJsonValue(true);
    QTest::newRow("memory too low") << QStringLiteral("memory_percent") << QJsonValue(9);
    QTest::newRow("memory over 90%") << QStringLiteral("memory_percent") << QJsonValue(91);
    QTest::newRow("memory as text") << QStringLiteral("memory_percent") << QJsonValue(QStringLiteral("50"));
    QTest::newRow("no disk") << QStringLiteral("disk_gb") << QJsonValue(0);
    QTest::newRow("disk over 1000 GB") << QStringLiteral("disk_gb") << QJsonValue(1001);
    QTest::newRow("half a GB") << QStringLiteral("disk_gb") << QJsonValue(1.5);
    QTest::newRow("negative upload") << QStringLiteral("upload_kibps") << QJsonValue(-1);
    QTest::newRow("cache under 100 MB") << QStringLiteral("cache_mb") << QJsonValue(99);
    QTest::newRow("seeding as text") << QStringLiteral("seed_when_paused") << QJsonValue(QStringLiteral("off"));
}

void TstOwnerPreferences::badValuesAreRefused()
{
    QFETCH(QString, field);
    QFETCH(QJsonValue, value);
    const auto refused = OwnerPreferences::fromJson(QJsonObject { { field, value } });
    QVERIFY(!refused.ok());
    QCOMPARE(refused.error().code, QStringLiteral("prefs.bad_value"));
    QVERIFY2(refused.error().detail.startsWith(field + QLatin1Char(':')), qPrintable(refused.error().detail));
}

void TstOwnerPreferences::damagedFileKeepsDefaults()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("preferences.ini"));
    {
        QSettings settings(path, QSettings::IniFormat);
        settings.setValue(QStringLiteral("preferences/idle_minutes"), 999);
        settings.setValue(QStringLiteral("preferences/when_in_use"), QStringLiteral("throttle"));
        settings.setValue(QStringLiteral("preferences/run_on_battery"), QStringLiteral("maybe"));
    }
    const OwnerPreferences loaded = OwnerPreferences::load(path);
    QCOMPARE(loaded.idleMinutes, OwnerPreferences().idleMinutes);
    QCOMPARE(loaded.runOnBattery, OwnerPreferences().runOnBattery);
    QCOMPARE(loaded.whenInUse, OwnerPreferences::WhenInUse::Throttle);
}

void TstOwnerPreferences::memoryAndDisk()
{
    const OwnerPreferences defaults;
    QCOMPARE(defaults.memoryPercent, 50);
    QCOMPARE(defaults.diskGb, 10);
    const qint64 total = OwnerPreferences::physicalMemoryMb();
    QVERIFY(total > 0); // Linux always has /proc/meminfo
    QCOMPARE(defaults.memoryMb(), std::max<qint64>(256, total / 2));
    QCOMPARE(defaults.toJson().value(QLatin1String("memory_mb")).toInteger(), defaults.memoryMb());
    const auto changed = OwnerPreferences::fromJson(QJsonObject { { QStringLiteral("memory_percent"), 90 },
        { QStringLiteral("disk_gb"), 1000 }, { QStringLiteral("memory_mb"), 1 } }); // read-only, ignored
    QVERIFY2(changed.ok(), qPrintable(changed.error().detail));
    QCOMPARE(changed->memoryPercent, 90);
    QCOMPARE(changed->diskGb, 1000);
    QCOMPARE(changed->memoryMb(), total * 90 / 100);
}

void TstOwnerPreferences::moreCoresThanTheMachineHas()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("preferences.ini"));
    QSettings(path, QSettings::IniFormat).setValue(QStringLiteral("preferences/cores"), 4096);
    QCOMPARE(OwnerPreferences::load(path).cores, OwnerPreferences::maxCores());
}

void TstOwnerPreferences::effectiveCores()
{
    OwnerPreferences p;
    p.cores = 3;
    QCOMPARE(p.effectiveCores(8), 3);
    QCOMPARE(p.effectiveCores(2), 2);
    p.allButOne = true;
    QCOMPARE(p.effectiveCores(8), 7);
    QCOMPARE(p.effectiveCores(1), 1);
}

QTEST_GUILESS_MAIN(TstOwnerPreferences)
#include "tst_ownerpreferences.moc"
