#pragma once

#include "common/result.h"

#include <QJsonObject>
#include <QString>
#include <QTime>

namespace pvc::core {

// What the resource owner lends to the grid (DESIGN.md, "Owner's policy"). pvcd keeps them in its
// state directory, so they hold without the GUI and across restarts. The JSON form is the one of
// the control API's get-preferences and set-preferences (docs/protocol.md, "Control API").
struct OwnerPreferences {
    enum class WhenInUse { Pause, Throttle };

    static constexpr int MaxIdleMinutes = 240;
    static constexpr int MinThrottlePercent = 10;
    static constexpr int MinMemoryPercent = 10;
    static constexpr int MaxMemoryPercent = 90;
    static constexpr int MaxDiskGb = 1000;

    int cores = maxCores();
    bool allButOne = false;
    int idleMinutes = 3; // 0: compute even while the owner uses the machine
    WhenInUse whenInUse = WhenInUse::Pause;
    int throttlePercent = 50;
    bool runOnBattery = false;
    bool windowEnabled = false;
    QTime windowStart { 22, 0 }; // a window may cross midnight: 22:00-07:00 is the night
    QTime windowEnd { 7, 0 };
    int memoryPercent = 50; // of the machine's memory, for the worker and all its tasks
    int diskGb = 10; // for the worker's directory
    int uploadKiBps = 0; // BitTorrent upload rate cap in KiB/s, 0: none
    int downloadKiBps = 0; // BitTorrent download rate cap in KiB/s, 0: none
    static constexpr int MaxRateKiBps = 10 * 1024 * 1024; // 10 GiB/s: "no limit" in practice
    int cacheMb = 20000; // BitTorrent cache cap; the least recently used data goes first
    static constexpr int MinCacheMb = 100;
    static constexpr int MaxCacheMb = 10000000;
    bool seedWhenPaused = true; // keep serving fetched data to other members while computing is paused

    // The machine's physical memory in MiB (0 if unknown), from /proc/meminfo.
    static qint64 physicalMemoryMb();
    // memoryPercent of physicalMemoryMb() (at least 256 MiB), 0 if unknown.
    qint64 memoryMb() const;

    // The machine's hardware threads (QThread::idealThreadCount()), the upper bound for `cores`.
    static int maxCores();
    int effectiveCores(int available = maxCores()) const;
    bool insideWindow(const QTime& localTime) const;

    QJsonObject toJson() const;
    // Applies the fields present in `json` over `base`, so that a client may send only what changed.
    // A wrong type, a value out of range or an unknown field is refused with prefs.bad_value, and
    // the detail starts with the field's name.
    static Result<OwnerPreferences> fromJson(const QJsonObject& json, const OwnerPreferences& base);
    static Result<OwnerPreferences> fromJson(const QJsonObject& json) { return fromJson(json, OwnerPreferences()); }

    // QSettings (IniFormat) at `path`. A missing file gives the defaults; a damaged field keeps its default.
    static OwnerPreferences load(const QString& path);
    bool save(const QString& path, QString* error) const;

    bool operator==(const OwnerPreferences&) const = default;
};

} // namespace pvc::core
