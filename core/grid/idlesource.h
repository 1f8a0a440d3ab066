#pragma once

#include <QDateTime>
#include <QString>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace pvc::core {

// How long the owner has left the machine alone (DESIGN.md, "Owner's policy"). Sources are asked
// on pvcd's thread every few seconds, so an answer must come at once: one that asks another process
// answers from its last reply and refreshes in the background.
class IdleSource {
public:
    virtual ~IdleSource() = default;
    // Seconds since the owner last used the machine (0: in use now), or nullopt if this source cannot tell.
    virtual std::optional<int> idleSeconds() = 0;
    virtual QString name() const = 0;
};

// Asks its sources in order and takes the first that answers.
class CompositeIdleSource : public IdleSource {
public:
    explicit CompositeIdleSource(std::vector<std::unique_ptr<IdleSource>> sources);
    std::optional<int> idleSeconds() override;
    // The source that answered last, or "none".
    QString name() const override { return m_answered; }

private:
    std::vector<std::unique_ptr<IdleSource>> m_sources;
    QString m_answered = QStringLiteral("none");
};

// The machine counts as in use while CPU time not spent on grid work stays above a threshold
// (a quarter of one core) over the last sample: the fallback when no session tells us about the
// keyboard and mouse (a server, a bare X session).
class CpuLoadIdleSource : public IdleSource {
public:
    using Clock = std::function<QDateTime()>;
    static constexpr double BusyCores = 0.25;
    static constexpr int MinSampleMs = 2000;

    explicit CpuLoadIdleSource(QString statPath = QStringLiteral("/proc/stat"), Clock clock = {});
    // Cumulative CPU seconds used by grid work, which must not count as the owner's.
    void setGridCpuSeconds(std::function<double()> gridCpuSeconds) { m_gridCpuSeconds = std::move(gridCpuSeconds); }
    std::optional<int> idleSeconds() override;
    QString name() const override { return QStringLiteral("cpu-load"); }

private:
    struct Sample {
        double busy = 0; // jiffies, all CPUs
        double total = 0;
        int cpus = 1;
        double gridSeconds = 0;
    };
    std::optional<Sample> readSample() const;

    QString m_statPath;
    Clock m_clock;
    std::function<double()> m_gridCpuSeconds;
    std::optional<Sample> m_last;
    QDateTime m_lastTime;
    QDateTime m_quietSince;
};

// logind (if pvcd was built with Qt D-Bus), then the X11 screensaver (if libXss can be loaded and a
// display is set), then CPU load. `gridCpuSeconds` feeds CpuLoadIdleSource.
std::unique_ptr<IdleSource> makeDefaultIdleSource(std::function<double()> gridCpuSeconds);

} // namespace pvc::core
