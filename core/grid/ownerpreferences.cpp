#include "grid/ownerpreferences.h"

#include "common/logging.h"

#include <QFile>
#include <QSettings>
#include <QThread>
#include <cmath>
#include <optional>

namespace pvc::core {

namespace {
const char* const Group = "preferences";
const QLatin1String Cores("cores");
const QLatin1String AllButOne("all_but_one");
const QLatin1String IdleMinutes("idle_minutes");
const QLatin1String WhenInUseKey("when_in_use");
const QLatin1String ThrottlePercent("throttle_percent");
const QLatin1String RunOnBattery("run_on_battery");
const QLatin1String WindowEnabled("window_enabled");
const QLatin1String WindowStart("window_start");
const QLatin1String WindowEnd("window_end");
const QLatin1String MemoryPercent("memory_percent");
const QLatin1String DiskGb("disk_gb");
const QLatin1String UploadKiBps("upload_kibps");
const QLatin1String DownloadKiBps("download_kibps");
const QLatin1String CacheMb("cache_mb");
const QLatin1String SeedWhenPaused("seed_when_paused");
const QLatin1String MaxCoresKey("max_cores"); // read-only: clients may echo it back
const QLatin1String MemoryMbKey("memory_mb"); // read-only: what memory_percent gives on this machine

Error badValue(const QString& field, const QString& why)
{
    return Error { QStringLiteral("prefs.bad_value"), field + QStringLiteral(": ") + why };
}

std::optional<int> integerIn(const QJsonValue& value, int min, int max)
{
    if (!value.isDouble())
        return std::nullopt;
    const double number = value.toDouble();
    if (number != std::floor(number) || number < min || number > max)
        return std::nullopt;
    return int(number);
}

// The integer preferences: their key, range and member.
struct IntegerField {
    QLatin1String key;
    int min;
    int max;
    int OwnerPreferences::*member;
};

// The true-or-false preferences.
bool OwnerPreferences::*booleanField(const QString& key)
{
    static const std::pair<QLatin1String, bool OwnerPreferences::*> fields[] {
        { AllButOne, &OwnerPreferences::allButOne },
        { RunOnBattery, &OwnerPreferences::runOnBattery },
        { WindowEnabled, &OwnerPreferences::windowEnabled },
        { SeedWhenPaused, &OwnerPreferences::seedWhenPaused },
    };
    for (const auto& [name, member] : fields)
        if (key == name)
            return member;
    return nullptr;
}

const IntegerField* integerField(const QString& key)
{
    static const IntegerField fields[] {
        { Cores, 1, OwnerPreferences::maxCores(), &OwnerPreferences::cores },
        { IdleMinutes, 0, OwnerPreferences::MaxIdleMinutes, &OwnerPreferences::idleMinutes },
        { ThrottlePercent, OwnerPreferences::MinThrottlePercent, 100, &OwnerPreferences::throttlePercent },
        { MemoryPercent, OwnerPreferences::MinMemoryPercent, OwnerPreferences::MaxMemoryPercent,
            &OwnerPreferences::memoryPercent },
        { DiskGb, 1, OwnerPreferences::MaxDiskGb, &OwnerPreferences::diskGb },
        { UploadKiBps, 0, OwnerPreferences::MaxRateKiBps, &OwnerPreferences::uploadKiBps },
        { DownloadKiBps, 0, OwnerPreferences::MaxRateKiBps, &OwnerPreferences::downloadKiBps },
        { CacheMb, OwnerPreferences::MinCacheMb, OwnerPreferences::MaxCacheMb, &OwnerPreferences::cacheMb },
    };
    for (const IntegerField& field : fields)
        if (key == field.key)
            return &field;
    return nullptr;
}

std::optional<QTime> timeOfDay(const QJsonValue& value)
{
    if (!value.isString())
        return std::nullopt;
    for (const QString& format : { QStringLiteral("HH:mm"), QStringLiteral("H:mm") }) {
        const QTime time = QTime::fromString(value.toString(), format);
        if (time.isValid())
            return time;
    }
    return std::nullopt;
}

QString hhmm(const QTime& time)
{
    return time.toString(QStringLiteral("HH:mm"));
}

// QSettings' IniFormat reads every value back as text: give each field its JSON type again.
QJsonValue storedValue(const QString& key, const QVariant& stored)
{
    const QString text = stored.toString();
    if (integerField(key)) {
        bool ok = false;
        const int number = text.toInt(&ok);
        return ok ? QJsonValue(number) : QJsonValue(text);
    }
    if (booleanField(key)) {
        if (text == QLatin1String("true") || text == QLatin1String("false"))
            return text == QLatin1String("true");
        return text;
    }
    return text;
}
} // namespace

int OwnerPreferences::maxCores()
{
    return std::max(1, QThread::idealThreadCount());
}

qint64 OwnerPreferences::physicalMemoryMb()
{
    QFile file(QStringLiteral("/proc/meminfo"));
    if (!file.open(QIODevice::ReadOnly))
        return 0;
    // "MemTotal:       24575232 kB"
    for (const QByteArray& line : file.read(16384).split('\n'))
        if (line.startsWith("MemTotal:"))
            return line.mid(9).simplified().split(' ').value(0).toLongLong() / 1024;
    return 0;
}

qint64 OwnerPreferences::memoryMb() const
{
    const qint64 total = physicalMemoryMb();
    return total > 0 ? std::max<qint64>(256, total * memoryPercent / 100) : 0;
}

int OwnerPreferences::effectiveCores(int available) const
{
    available = std::max(1, available);
    return allButOne ? std::max(1, available - 1) : std::clamp(cores, 1, available);
}

bool OwnerPreferences::insideWindow(const QTime& localTime) const
{
    if (!windowEnabled)
        return true;
    if (windowStart < windowEnd)
        return localTime >= windowStart && localTime < windowEnd;
    return localTime >= windowStart || localTime < windowEnd; // across midnight
}

QJsonObject OwnerPreferences::toJson() const
{
    return QJsonObject { { Cores, cores }, { AllButOne, allButOne }, { IdleMinutes, idleMinutes },
        { WhenInUseKey, whenInUse == WhenInUse::Pause ? QStringLiteral("pause") : QStringLiteral("throttle") },
        { ThrottlePercent, throttlePercent }, { RunOnBattery, runOnBattery }, { WindowEnabled, windowEnabled },
        { WindowStart, hhmm(windowStart) }, { WindowEnd, hhmm(windowEnd) }, { MemoryPercent, memoryPercent },
        { DiskGb, diskGb }, { UploadKiBps, uploadKiBps }, { DownloadKiBps, downloadKiBps }, { CacheMb, cacheMb },
        { SeedWhenPaused, seedWhenPaused }, { MaxCoresKey, maxCores() }, { MemoryMbKey, memoryMb() } };
}

Result<OwnerPreferences> OwnerPreferences::fromJson(const QJsonObject& json, const OwnerPreferences& base)
{
    OwnerPreferences p = base;
    for (auto it = json.constBegin(); it != json.constEnd(); ++it) {
        const QString& key = it.key();
        const QJsonValue value = it.value();
        if (const IntegerField* field = integerField(key)) {
            const auto n = integerIn(value, field->min, field->max);
            if (!n)
                return badValue(key, QStringLiteral("an integer from %1 to %2").arg(field->min).arg(field->max));
            p.*(field->member) = *n;
        } else if (bool OwnerPreferences::*member = booleanField(key)) {
            if (!value.isBool())
                return badValue(key, QStringLiteral("true or false"));
            p.*member = value.toBool();
        } else if (key == WhenInUseKey) {
            if (value == QJsonValue(QStringLiteral("pause")))
                p.whenInUse = WhenInUse::Pause;
            else if (value == QJsonValue(QStringLiteral("throttle")))
                p.whenInUse = WhenInUse::Throttle;
            else
                return badValue(key, QStringLiteral("\"pause\" or \"throttle\""));
        } else if (key == WindowStart || key == WindowEnd) {
            const auto time = timeOfDay(value);
            if (!time)
                return badValue(key, QStringLiteral("a time of day as HH:MM"));
            (key == WindowStart ? p.windowStart : p.windowEnd) = *time;
        } else if (key != MaxCoresKey && key != MemoryMbKey) {
            return badValue(key, QStringLiteral("not a preference"));
        }
    }
    if (p.windowStart == p.windowEnd)
        return badValue(WindowEnd, QStringLiteral("must differ from window_start"));
    return p;
}

OwnerPreferences OwnerPreferences::load(const QString& path)
{
    QSettings settings(path, QSettings::IniFormat);
    settings.beginGroup(QLatin1String(Group));
    QJsonObject stored;
    for (const QString& key : settings.childKeys())
        stored.insert(key, storedValue(key, settings.value(key)));
    // The machine may have fewer cores than when the owner chose: give them all rather than forget the rest.
    if (stored.value(Cores).toInt() > maxCores())
        stored.insert(Cores, maxCores());
    auto all = fromJson(stored);
    if (all)
        return all.value();
    qCWarning(lcDaemon) << "some stored preferences are unusable, keeping their defaults:" << all.error().detail;
    OwnerPreferences p;
    for (auto it = stored.constBegin(); it != stored.constEnd(); ++it)
        if (auto one = fromJson(QJsonObject { { it.key(), it.value() } }, p))
            p = one.value();
    return p;
}

bool OwnerPreferences::save(const QString& path, QString* error) const
{
    QSettings settings(path, QSettings::IniFormat);
    settings.beginGroup(QLatin1String(Group));
    const QJsonObject json = toJson();
    for (auto it = json.constBegin(); it != json.constEnd(); ++it)
        if (it.key() != MaxCoresKey && it.key() != MemoryMbKey)
            settings.setValue(it.key(), it.value().toVariant());
    settings.endGroup();
    settings.sync();
    if (settings.status() != QSettings::NoError) {
        *error = QStringLiteral("cannot write the preferences to %1").arg(path);
        return false;
    }
    return true;
}

} // namespace pvc::core
