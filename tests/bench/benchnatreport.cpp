#include "benchnatreport.h"

#include "labnetwork.h"

#include <QDateTime>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QSysInfo>
#include <QThread>
#include <algorithm>

namespace pvc::bench {

namespace {

QList<double> valid(QList<double> values)
{
    values.removeIf([](double v) { return v < 0; });
    std::sort(values.begin(), values.end());
    return values;
}

double median(const QList<double>& values)
{
    const QList<double> v = valid(values);
    if (v.isEmpty())
        return -1;
    const qsizetype n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

QString number(double value, int decimals = 0)
{
    return value < 0 ? QStringLiteral("–") : QString::number(value, 'f', decimals);
}

// "median (min–max)" over the valid values, with the count when some are missing.
QString spread(const QList<double>& values, int decimals = 0)
{
    const QList<double> v = valid(values);
    if (v.isEmpty())
        return QStringLiteral("–");
    QString text = QStringLiteral("**%1** (%2–%3)")
                       .arg(number(median(v), decimals), number(v.first(), decimals), number(v.last(), decimals));
    if (v.size() != values.size())
        text += QStringLiteral(", %1 of %2").arg(v.size()).arg(values.size());
    return text;
}

// "direct (udp-punch)", "relay/udp", "probing (public)", or "failed".
QString endState(const Sample& s)
{
    if (!s.error.isEmpty())
        return QStringLiteral("failed");
    if (s.path == QLatin1String("relay"))
        return QStringLiteral("relay/") + s.relay;
    return QStringLiteral("%1 (%2)").arg(s.path, s.technique);
}

QString readFile(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
}

// The distinct values, with how often each occurred: "udp-punch ×9, relay ×1".
QString tally(const QStringList& values)
{
    QMap<QString, int> counts;
    for (const QString& value : values)
        ++counts[value.isEmpty() ? QStringLiteral("(none)") : value];
    QStringList parts;
    for (auto it = counts.cbegin(); it != counts.cend(); ++it)
        parts << (counts.size() == 1 ? it.key() : QStringLiteral("%1 ×%2").arg(it.key()).arg(it.value()));
    return parts.join(QStringLiteral(", "));
}

} // namespace

void readMilestones(
    const QString& logFile, qint64 startWallMs, const QString& peer, const QString& prefix, QMap<QString, double>* out)
{
    QFile file(logFile);
    if (!file.open(QIODevice::ReadOnly))
        return;
    static const QRegularExpression line(QStringLiteral(R"(^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}) \S+ \w+: (.*)$)"));
    const QList<std::pair<QString, QString>> milestones {
        { QStringLiteral("started"), QStringLiteral("pvcd for project") },
        { QStringLiteral("tun"), QStringLiteral("tunnel up:") },
        { QStringLiteral("broker"), QStringLiteral("connected to broker") },
        // QDebug quotes strings.
        { QStringLiteral("session"), QStringLiteral("authenticated \"%1\"").arg(peer) },
        { QStringLiteral("tunnel"), QStringLiteral("tunnel to \"%1\" index").arg(peer) },
        { QStringLiteral("direct"), QStringLiteral("direct path to \"%1\"").arg(peer) },
        { QStringLiteral("direct"), QStringLiteral("direct TCP path to \"%1\"").arg(peer) },
    };
    while (!file.atEnd()) {
        const QRegularExpressionMatch match = line.match(QString::fromUtf8(file.readLine()).trimmed());
        if (!match.hasMatch())
            continue;
        const QDateTime when = QDateTime::fromString(match.captured(1), QStringLiteral("yyyy-MM-ddThh:mm:ss.zzz"));
        const qint64 ms = when.toMSecsSinceEpoch() - startWallMs;
        if (ms < 0)
            continue;
        for (const auto& [name, text] : milestones)
            if (!out->contains(prefix + name) && match.captured(2).contains(text))
                out->insert(prefix + name, double(ms));
    }
}

QString loadAverage()
{
    return readFile(QStringLiteral("/proc/loadavg")).section(QLatin1Char(' '), 0, 2);
}

QString machineDescription()
{
    QString model;
    for (const QString& line : readFile(QStringLiteral("/proc/cpuinfo")).split(QLatin1Char('\n')))
        if (line.startsWith(QLatin1String("model name"))) {
            model = line.section(QLatin1Char(':'), 1).trimmed();
            break;
        }
    QString memory;
    for (const QString& line : readFile(QStringLiteral("/proc/meminfo")).split(QLatin1Char('\n')))
        if (line.startsWith(QLatin1String("MemTotal:")))
            memory = QString::number(
                         line.section(QLatin1Char(':'), 1).trimmed().section(QLatin1Char(' '), 0, 0).toLongLong() / 1024
                         / 1024)
                + QStringLiteral(" GiB");
    QProcess git;
    git.start(QStringLiteral("git"),
        { QStringLiteral("-C"), pvc::test::LabNetwork::labDir(), QStringLiteral("describe"), QStringLiteral("--always"),
            QStringLiteral("--dirty") });
    git.waitForFinished(5000);
    // A copy of the sources outside the repository names its revision here.
    const QString revision = qEnvironmentVariableIsEmpty("BENCH_PVC_REVISION")
        ? QString::fromLatin1(git.readAllStandardOutput()).trimmed()
        : qEnvironmentVariable("BENCH_PVC_REVISION");
    return QStringLiteral("%1 UTC; %2 CPUs (%3), %4, kernel %5; pvc %6; load average %7")
        .arg(QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyy-MM-dd hh:mm")))
        .arg(QThread::idealThreadCount())
        .arg(model, memory, QSysInfo::kernelVersion(), revision, loadAverage());
}

QString sampleLine(const Technique& technique, int run, int runs, const Sample& sample)
{
    if (!sample.error.isEmpty())
        return QStringLiteral("[%1 %2/%3] FAILED: %4").arg(technique.name).arg(run).arg(runs).arg(sample.error);
    const auto milestone = [&](const char* name) { return number(sample.milestones.value(QLatin1String(name), -1)); };
    return QStringLiteral(
        "[%1 %2/%3] first byte %4 ms; direct %5 ms (%6 sees it at %7, %8 at %9); end: %10 %11%12 "
        "(newcomer says %13), rtt %14 ms; connect+1B %15 us tunnel (%23 failed), %16 us underlay, %17 us reference; "
        "log: tun %18, broker %19, session %20, tunnel %21, direct %22 ms")
        .arg(technique.name)
        .arg(run)
        .arg(runs)
        .arg(number(sample.ttfbMs, 1), number(sample.directMs), technique.stable, number(sample.directStableMs),
            technique.newcomer, number(sample.directNewcomerMs), sample.path, sample.technique,
            sample.relay.isEmpty() ? QString() : QLatin1Char('/') + sample.relay)
        .arg(sample.newcomerTechnique, number(sample.tunnelRttMs, 2), number(sample.tunnelConnectUs),
            number(sample.underlayConnectUs), number(sample.referenceConnectUs), milestone("tun"), milestone("broker"),
            milestone("session"))
        .arg(milestone("tunnel"), milestone("direct"))
        .arg(sample.tunnelConnectFailed);
}

QString pathLine(int round, const PathFigures& f)
{
    return QStringLiteral(
        "[throughput round %1] %2 (%3): %4 Mbit/s, %5 retransmits, pvcds %6 %, brokers %7 % of one CPU; "
        "connect+1B %8 us (reference in turn %9 us); tunnel rtt %10 ms%11")
        .arg(round)
        .arg(f.label, f.path, number(f.mbits), QString::number(f.retransmits), number(f.daemonCpu), number(f.brokerCpu),
            number(f.connectUs), number(f.referenceConnectUs), number(f.tunnelRttMs, 2))
        .arg(f.error.isEmpty() ? QString() : QStringLiteral("; ERROR ") + f.error);
}

QString reportText(const QString& machine, const QList<Technique>& techniques,
    const QMap<QString, QList<Sample>>& samples, const QList<QList<PathFigures>>& rounds)
{
    QString text = machine + QStringLiteral("\n\n");
    if (!samples.isEmpty()) {
        text += QStringLiteral(
            "| Technique | Newcomer → other | Runs | First byte ms | Both direct ms | Path at the end | "
            "Connect+1B tunnel µs | Connect+1B underlay µs | Connect+1B reference µs |\n"
            "|---|---|---|---|---|---|---|---|---|\n");
        for (const Technique& technique : techniques) {
            const QList<Sample> list = samples.value(technique.name);
            if (list.isEmpty())
                continue;
            QList<double> ttfb, direct, tunnel, underlay, reference;
            int failed = 0;
            QStringList ends;
            for (const Sample& s : list) {
                ttfb << s.ttfbMs;
                direct << s.directMs;
                tunnel << s.tunnelConnectUs;
                underlay << s.underlayConnectUs;
                reference << s.referenceConnectUs;
                failed += s.tunnelConnectFailed;
                ends << endState(s);
            }
            text += QStringLiteral("| %1 | %2 → %3 | %4 | %5 | %6 | %7 | %8 | %9 | %10 |\n")
                        .arg(technique.name, technique.newcomer, technique.stable, QString::number(list.size()),
                            spread(ttfb, 1),
                            technique.expectDirect || !valid(direct).isEmpty() ? spread(direct) : QStringLiteral("n/a"),
                            tally(ends),
                            spread(tunnel)
                                + (failed ? QStringLiteral("; %1 of %2 failed").arg(failed).arg(list.size() * 20)
                                          : QString()))
                        .arg(technique.underlay ? spread(underlay) : QStringLiteral("n/a"), spread(reference));
        }
        text
            += QStringLiteral("\nMilestones, ms after the newcomer's pvcd was started (medians; from the pvcd logs, "
                              "which have ms resolution):\n\n| Technique | pvcd up | TUN | 1st broker | peer session | "
                              "tunnel (relay) | first byte | direct (log) | other: session | other: tunnel | other: "
                              "direct |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (const Technique& technique : techniques) {
            const QList<Sample> list = samples.value(technique.name);
            if (list.isEmpty())
                continue;
            const auto column = [&](const QString& name) {
                QList<double> values;
                for (const Sample& s : list)
                    values << (name == QLatin1String("ttfb") ? s.ttfbMs : s.milestones.value(name, -1));
                return number(median(values));
            };
            text += QStringLiteral("| %1 | %2 | %3 | %4 | %5 | %6 | %7 | %8 | %9 | %10 | %11 |\n")
                        .arg(technique.name, column(QStringLiteral("started")), column(QStringLiteral("tun")),
                            column(QStringLiteral("broker")), column(QStringLiteral("session")),
                            column(QStringLiteral("tunnel")), column(QStringLiteral("ttfb")),
                            column(QStringLiteral("direct")), column(QStringLiteral("other session")))
                        .arg(column(QStringLiteral("other tunnel")), column(QStringLiteral("other direct")));
        }
    }
    if (!rounds.isEmpty()) {
        QStringList labels;
        for (const PathFigures& f : rounds.first())
            labels << f.label;
        const auto series = [&](const QString& label, double PathFigures::*field) {
            QList<double> values;
            for (const QList<PathFigures>& round : rounds)
                for (const PathFigures& f : round)
                    if (f.label == label)
                        values << f.*field;
            return values;
        };
        const auto perRound = [&](const QString& label) {
            QStringList values;
            for (const double v : series(label, &PathFigures::mbits))
                values << number(v);
            return values.join(QStringLiteral(", "));
        };
        const double underlay = median(series(QStringLiteral("underlay"), &PathFigures::mbits));
        const double direct = median(series(QStringLiteral("direct"), &PathFigures::mbits));
        text += QStringLiteral(
            "\nThroughput, %1 rounds (medians):\n\n| Path | Mbit/s | per round | ÷ direct | ÷ underlay | "
            "pvcds % CPU | brokers % CPU | connect+1B µs | reference in turn µs | tunnel RTT ms |\n"
            "|---|---|---|---|---|---|---|---|---|---|\n")
                    .arg(rounds.size());
        for (const QString& label : std::as_const(labels)) {
            const double mbits = median(series(label, &PathFigures::mbits));
            const auto ratio
                = [&](double base) { return base > 0 && mbits >= 0 ? number(mbits / base, 3) : QStringLiteral("–"); };
            text += QStringLiteral("| %1 | **%2** | %3 | %4 | %5 | %6 | %7 | %8 | %9 | %10 |\n")
                        .arg(label, number(mbits), perRound(label), ratio(direct), ratio(underlay),
                            number(median(series(label, &PathFigures::daemonCpu))),
                            number(median(series(label, &PathFigures::brokerCpu))),
                            number(median(series(label, &PathFigures::connectUs))))
                        .arg(number(median(series(label, &PathFigures::referenceConnectUs))),
                            number(median(series(label, &PathFigures::tunnelRttMs)), 2));
        }
    }
    return text;
}

} // namespace pvc::bench
