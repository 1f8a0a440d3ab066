#include "grid/idlesource.h"

#include "grid/x11idlesource.h"

#include <QFile>
#include <unistd.h>

#ifdef PVC_HAVE_DBUS
#include "grid/logindidlesource.h"
#endif

namespace pvc::core {

namespace {
constexpr qint64 MaxStatBytes = 1024 * 1024;
}

CompositeIdleSource::CompositeIdleSource(std::vector<std::unique_ptr<IdleSource>> sources)
    : m_sources(std::move(sources))
{
}

std::optional<int> CompositeIdleSource::idleSeconds()
{
    for (const auto& source : m_sources) {
        if (const auto seconds = source->idleSeconds()) {
            m_answered = source->name();
            return seconds;
        }
    }
    m_answered = QStringLiteral("none");
    return std::nullopt;
}

CpuLoadIdleSource::CpuLoadIdleSource(QString statPath, Clock clock)
    : m_statPath(std::move(statPath))
    , m_clock(clock ? std::move(clock) : Clock(&QDateTime::currentDateTimeUtc))
{
}

// proc(5): "cpu user nice system idle iowait irq softirq steal ..." in USER_HZ; idle and iowait are idle.
std::optional<CpuLoadIdleSource::Sample> CpuLoadIdleSource::readSample() const
{
    QFile file(m_statPath);
    if (!file.open(QIODevice::ReadOnly))
        return std::nullopt;
    std::optional<Sample> sample;
    int cpus = 0;
    // procfs reports a size of 0, so QFile::atEnd() cannot be trusted: read it whole (a few KiB).
    for (const QByteArray& line : file.read(MaxStatBytes).split('\n')) {
        const QList<QByteArray> fields = line.simplified().split(' ');
        if (fields.value(0) == "cpu" && fields.size() >= 5) {
            Sample s;
            for (qsizetype i = 1; i < std::min<qsizetype>(fields.size(), 9); ++i) {
                const double jiffies = fields[i].toDouble();
                s.total += jiffies;
                if (i != 4 && i != 5)
                    s.busy += jiffies;
            }
            sample = s;
        } else if (fields.value(0).startsWith("cpu")) {
            ++cpus;
        }
    }
    if (sample)
        sample->cpus = std::max(1, cpus);
    return sample;
}

std::optional<int> CpuLoadIdleSource::idleSeconds()
{
    const QDateTime now = m_clock();
    if (!m_last || m_lastTime.msecsTo(now) >= MinSampleMs) {
        auto sample = readSample();
        if (!sample)
            return std::nullopt;
        sample->gridSeconds = m_gridCpuSeconds ? m_gridCpuSeconds() : 0.0;
        if (!m_last) {
            m_quietSince = now; // nothing known yet: the owner may be there
        } else if (const double total = sample->total - m_last->total; total > 0) {
            // Cores kept busy on average over the sample, less what grid work took.
            const double perCpu = total / sample->cpus;
            const double busy = (sample->busy - m_last->busy) / perCpu;
            const double grid = (sample->gridSeconds - m_last->gridSeconds) * double(sysconf(_SC_CLK_TCK)) / perCpu;
            if (busy - grid > BusyCores)
                m_quietSince = now;
        }
        m_last = sample;
        m_lastTime = now;
    }
    return int(std::max<qint64>(0, m_quietSince.secsTo(now)));
}

std::unique_ptr<IdleSource> makeDefaultIdleSource(std::function<double()> gridCpuSeconds)
{
    std::vector<std::unique_ptr<IdleSource>> sources;
#ifdef PVC_HAVE_DBUS
    sources.push_back(std::make_unique<LogindIdleSource>());
#endif
    sources.push_back(std::make_unique<X11IdleSource>());
    auto cpu = std::make_unique<CpuLoadIdleSource>();
    cpu->setGridCpuSeconds(std::move(gridCpuSeconds));
    sources.push_back(std::move(cpu));
    return std::make_unique<CompositeIdleSource>(std::move(sources));
}

} // namespace pvc::core
