// The paper's Fig. 8 for pvc (docs/benchmarks.md, "Sabotage benchmark"), as root on this machine: 70 real
// work_queue_worker processes, each in its own UTS namespace (its own hostname, which Work Queue's block-host
// uses) and 7 of them saboteurs (in a mount namespace where the saboteur's shell of core/grid/saboteurshell.h is
// bound over /usr/bin/sh: every file their tasks create is altered). pvc-batch runs a batch of short tasks on
// them, on loopback, under each certification scheme, with a known-answer task 1 in 10:
// - how many jobs come back until every saboteur is blocked (the paper: 201 jobs for 7 of 70),
// - the accepted error rate (certified outputs that differ from the truth computed here),
// - the redundancy (replicas returned per task, without and with the spot-checks).
// Medians over PVC_BENCH_RUNS runs (default 3) with different saboteurs; PVC_BENCH_TASKS tasks (default 400);
// a PNG plot of saboteurs blocked against jobs returned (PVC_BENCH_PLOT). Label bench: ctest -L bench -R sabotage -V.
#include "batch/batchstore.h"
#include "benchplot.h"
#include "grid/saboteurshell.h"
#include "labgrid.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QGuiApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>
#include <memory>
#include <unistd.h>
#include <vector>

using pvc::core::BatchStore;
using pvc::test::LabGrid;
using pvc::test::PlotCurve;

namespace {

constexpr int Workers = 70;
constexpr int Saboteurs = 7;
constexpr int SpotCheckEvery = 10;
constexpr int KnownAnswers = 5;
constexpr int PaperJobs = 201;

struct Scheme {
    QString name;
    QJsonObject certification;
    unsigned colour;
};

struct Outcome {
    int jobsUntilAllCaught = -1; // -1: not every saboteur was caught
    double errorRate = 0;
    double redundancy = 0; // replicas returned per task
    double overhead = 0; // replicas and spot-checks returned per task
    QList<QPointF> caught; // (jobs returned, saboteurs blocked)
};

double median(QList<double> values)
{
    std::sort(values.begin(), values.end());
    return values.isEmpty() ? 0 : values.at(values.size() / 2);
}

QString host(int i)
{
    return QStringLiteral("w%1").arg(i, 2, 10, QLatin1Char('0'));
}

bool writeFile(const QString& path, const QByteArray& bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

quint16 freePort()
{
    QTcpServer server;
    server.listen(QHostAddress::LocalHost);
    return server.serverPort();
}

} // namespace

class BenchSabotage : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void sabotage();

private:
    void makeBatches(int tasks);
    QJsonObject description(const Scheme& scheme) const;
    bool startWorkers(quint16 port, const QSet<int>& saboteurs, const QString& dir);
    void stopWorkers();
    Outcome run(const Scheme& scheme, int index);
    Outcome measure(const QString& dir, int tasks) const;

    QTemporaryDir m_dir;
    QString m_saboteurShell;
    QJsonArray m_tasks;
    QJsonArray m_spotChecks;
    QHash<QString, QByteArray> m_truth; // task -> out.txt
    std::vector<std::unique_ptr<QProcess>> m_workers;
};

void BenchSabotage::initTestCase()
{
    if (::geteuid() != 0)
        QSKIP("needs root: each worker gets its own hostname (unshare --uts) and saboteurs their shell (--mount)");
    for (const char* tool : { "unshare", "work_queue_worker", "bash", "sha256sum" })
        QVERIFY2(!QStandardPaths::findExecutable(QString::fromLatin1(tool)).isEmpty(), tool);
    QVERIFY(m_dir.isValid());
    m_saboteurShell = m_dir.filePath(QStringLiteral("saboteur-sh"));
    QVERIFY(writeFile(m_saboteurShell, pvc::core::SaboteurShell));
    QFile::setPermissions(
        m_saboteurShell, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner | QFile::ExeOther | QFile::ReadOther);
    makeBatches(
        qEnvironmentVariableIntValue("PVC_BENCH_TASKS") > 0 ? qEnvironmentVariableIntValue("PVC_BENCH_TASKS") : 400);
}

void BenchSabotage::cleanup()
{
    stopWorkers();
}

// Short tasks: sha256sum of a small input, each input distinct; the truth is the same command run here.
void BenchSabotage::makeBatches(int tasks)
{
    const QString inputs = m_dir.filePath(QStringLiteral("inputs"));
    QDir().mkpath(inputs);
    const auto task = [&](const QString& id) {
        QByteArray input = id.toUtf8() + ':';
        for (int i = 0; i < 32; ++i)
            input += QByteArray::number(QRandomGenerator::global()->generate64(), 36);
        writeFile(inputs + QLatin1Char('/') + id, input);
        const QByteArray digest = QCryptographicHash::hash(input, QCryptographicHash::Sha256).toHex();
        m_truth.insert(id, digest + "  in.txt\n"); // what `sha256sum in.txt` prints
        return QJsonObject { { QStringLiteral("id"), id },
            { QStringLiteral("command"), QStringLiteral("sha256sum in.txt > out.txt") },
            { QStringLiteral("inputs"),
                QJsonArray { QJsonObject { { QStringLiteral("path"), inputs + QLatin1Char('/') + id },
                    { QStringLiteral("as"), QStringLiteral("in.txt") } } } },
            { QStringLiteral("outputs"), QJsonArray { QStringLiteral("out.txt") } } };
    };
    for (int i = 0; i < tasks; ++i)
        m_tasks.append(task(QStringLiteral("t%1").arg(i, 4, 10, QLatin1Char('0'))));
    for (int i = 0; i < KnownAnswers; ++i) {
        const QString id = QStringLiteral("k%1").arg(i);
        QJsonObject check = task(id);
        const QString answer = inputs + QLatin1Char('/') + id + QStringLiteral(".answer");
        writeFile(answer, m_truth.value(id));
        check.insert(QStringLiteral("expected"), QJsonObject { { QStringLiteral("out.txt"), answer } });
        m_spotChecks.append(check);
    }
}

QJsonObject BenchSabotage::description(const Scheme& scheme) const
{
    return QJsonObject { { QStringLiteral("format"), QStringLiteral("pvc-batch-1") },
        { QStringLiteral("name"), scheme.name }, { QStringLiteral("certification"), scheme.certification },
        { QStringLiteral("tasks"), m_tasks }, { QStringLiteral("spot_checks"), m_spotChecks } };
}

// Each worker in its own UTS namespace with its own hostname; a saboteur also in a mount namespace of its own,
// where its shell is bound over /usr/bin/sh.
bool BenchSabotage::startWorkers(quint16 port, const QSet<int>& saboteurs, const QString& dir)
{
    for (int i = 1; i <= Workers; ++i) {
        const QString name = host(i);
        const QString workdir = dir + QStringLiteral("/worker-") + name;
        QDir().mkpath(workdir);
        QString script = QStringLiteral("hostname %1 && ").arg(name);
        if (saboteurs.contains(i))
            script += QStringLiteral("mount --bind %1 /usr/bin/sh && ").arg(m_saboteurShell);
        script += QStringLiteral("exec work_queue_worker --cores=1 --memory=64 --disk=256 --feature pvc-host-%1 "
                                 "--timeout=900 --workdir=%2 127.0.0.1 %3")
                      .arg(name, workdir)
                      .arg(port);
        auto worker = std::make_unique<QProcess>();
        worker->setStandardOutputFile(QProcess::nullDevice());
        worker->setStandardErrorFile(QProcess::nullDevice());
        QStringList arguments { QStringLiteral("--uts") };
        if (saboteurs.contains(i))
            arguments << QStringLiteral("--mount") << QStringLiteral("--propagation") << QStringLiteral("private");
        worker->start(QStringLiteral("unshare"), arguments << QStringLiteral("bash") << QStringLiteral("-c") << script);
        if (!worker->waitForStarted(5000))
            return false;
        m_workers.push_back(std::move(worker));
    }
    return true;
}

void BenchSabotage::stopWorkers()
{
    for (const auto& worker : m_workers)
        worker->kill(); // by its own PID: the worker (bash execs it)
    for (const auto& worker : m_workers)
        worker->waitForFinished(5000);
    m_workers.clear();
}

Outcome BenchSabotage::run(const Scheme& scheme, int index)
{
    const QString dir = m_dir.filePath(QStringLiteral("%1-%2").arg(scheme.name).arg(index));
    QDir().mkpath(dir);
    QSet<int> saboteurs;
    QRandomGenerator pick(quint32(1000 + index));
    while (saboteurs.size() < Saboteurs)
        saboteurs.insert(int(pick.bounded(Workers)) + 1);
    const quint16 port = freePort();
    const QString batch = dir + QStringLiteral("/batch.json");
    writeFile(batch, QJsonDocument(description(scheme)).toJson());
    QStringList hosts;
    for (int i = 1; i <= Workers; ++i)
        hosts << host(i);
    QProcess batchRun;
    batchRun.setProcessChannelMode(QProcess::MergedChannels);
    batchRun.start(LabGrid::binary(QStringLiteral("pvc-batch")),
        { QStringLiteral("run"), batch, QStringLiteral("--dir"), dir + QStringLiteral("/run"), QStringLiteral("--port"),
            QString::number(port), QStringLiteral("--hosts"), hosts.join(QLatin1Char(',')),
            QStringLiteral("--per-host"), QStringLiteral("1"), QStringLiteral("--blocklist"),
            dir + QStringLiteral("/blocked"), QStringLiteral("--replica-timeout"), QStringLiteral("120") });
    // The workers once the manager listens: they would otherwise back off and start late.
    LabGrid::waitFor(
        [port] {
            QTcpSocket probe;
            probe.connectToHost(QHostAddress::LocalHost, port);
            return probe.waitForConnected(100);
        },
        10000, 100);
    if (!startWorkers(port, saboteurs, dir))
        return {};
    const bool ended = batchRun.waitForFinished(1800 * 1000);
    stopWorkers();
    if (!ended || (batchRun.exitCode() != 0 && batchRun.exitCode() != 3)) {
        qWarning("pvc-batch: %s", batchRun.readAll().right(2000).constData());
        return {};
    }
    return measure(dir + QStringLiteral("/run"), int(m_tasks.size()));
}

// From the batch's journal, in the order things came back: jobs returned until the last saboteur was blocked,
// the curve of saboteurs blocked, and the redundancy; the error rate from the certified outputs.
Outcome BenchSabotage::measure(const QString& dir, int tasks) const
{
    Outcome outcome;
    BatchStore store;
    QString error;
    if (!store.open(dir + QStringLiteral("/batch.db"), &error))
        return outcome;
    int jobs = 0, replicas = 0, blocked = 0;
    outcome.caught.append(QPointF(0, 0));
    for (const BatchStore::Event& event : store.events()) {
        ++jobs;
        if (event.kind == BatchStore::Event::Kind::Result || event.kind == BatchStore::Event::Kind::Failure)
            ++replicas;
        if (event.kind == BatchStore::Event::Kind::SpotFailed) {
            outcome.caught.append(QPointF(jobs, ++blocked));
            if (blocked == Saboteurs)
                outcome.jobsUntilAllCaught = jobs;
        }
    }
    outcome.caught.append(QPointF(jobs, blocked));
    int wrong = 0;
    for (auto it = m_truth.constBegin(); it != m_truth.constEnd(); ++it) {
        if (it.key().startsWith(QLatin1Char('k')))
            continue;
        QFile out(dir + QStringLiteral("/results/") + it.key() + QStringLiteral("/out.txt"));
        if (out.open(QIODevice::ReadOnly) && out.readAll() != it.value())
            ++wrong; // certified, and wrong (a task in doubt has no out.txt)
    }
    outcome.errorRate = double(wrong) / tasks;
    outcome.redundancy = double(replicas) / tasks;
    outcome.overhead = double(jobs) / tasks;
    return outcome;
}

void BenchSabotage::sabotage()
{
    const int runs
        = qEnvironmentVariableIntValue("PVC_BENCH_RUNS") > 0 ? qEnvironmentVariableIntValue("PVC_BENCH_RUNS") : 3;
    const QList<Scheme> schemes {
        { QStringLiteral("voting"),
            { { QStringLiteral("mode"), QStringLiteral("voting") }, { QStringLiteral("quorum"), 2 },
                { QStringLiteral("max_replicas"), 3 }, { QStringLiteral("spot_check_every"), SpotCheckEvery } },
            0xb91c1c },
        { QStringLiteral("spot-checking"),
            { { QStringLiteral("mode"), QStringLiteral("none") },
                { QStringLiteral("spot_check_every"), SpotCheckEvery } },
            0x15803d },
        { QStringLiteral("credibility"),
            { { QStringLiteral("mode"), QStringLiteral("credibility") }, { QStringLiteral("quorum"), 2 },
                { QStringLiteral("max_replicas"), 4 }, { QStringLiteral("spot_check_every"), SpotCheckEvery },
                { QStringLiteral("target_error"), 0.01 }, { QStringLiteral("saboteur_fraction"), 0.1 } },
            0x1d4ed8 },
    };
    qInfo("%d workers, %d saboteurs always wrong, a known-answer task 1 in %d, %lld tasks, %d runs per scheme", Workers,
        Saboteurs, SpotCheckEvery, qlonglong(m_tasks.size()), runs);
    QList<PlotCurve> curves;
    qInfo("scheme          jobs until all caught  error rate  redundancy  with spot-checks   (medians)");
    for (const Scheme& scheme : schemes) {
        QList<Outcome> outcomes;
        for (int r = 0; r < runs; ++r) {
            outcomes.append(run(scheme, r));
            const Outcome& o = outcomes.last();
            QVERIFY2(o.overhead > 0, qPrintable(scheme.name + QStringLiteral(": the run failed")));
            qInfo("  %s run %d: all caught after %d jobs, error rate %.4f, redundancy %.2f (%.2f)",
                qPrintable(scheme.name), r + 1, o.jobsUntilAllCaught, o.errorRate, o.redundancy, o.overhead);
        }
        QList<double> caught, errors, redundancy, overhead;
        for (const Outcome& o : std::as_const(outcomes)) {
            caught << (o.jobsUntilAllCaught < 0 ? 1e9 : o.jobsUntilAllCaught);
            errors << o.errorRate;
            redundancy << o.redundancy;
            overhead << o.overhead;
        }
        const double medianCaught = median(caught);
        qInfo("%-15s %21s  %10.4f  %10.2f  %16.2f", qPrintable(scheme.name),
            medianCaught >= 1e9 ? "not all" : qPrintable(QString::number(medianCaught)), median(errors),
            median(redundancy), median(overhead));
        // The run whose detection is the median one, for the plot.
        for (const Outcome& o : std::as_const(outcomes))
            if ((o.jobsUntilAllCaught < 0 ? 1e9 : o.jobsUntilAllCaught) == medianCaught) {
                curves.append({ scheme.name, o.caught, scheme.colour, true });
                break;
            }
    }
    pvc::test::PlotSpec spec;
    spec.title = QStringLiteral("%1 saboteurs among %2 workers, a known-answer task 1 in %3 (median runs)")
                     .arg(Saboteurs)
                     .arg(Workers)
                     .arg(SpotCheckEvery);
    spec.xLabel = QStringLiteral("jobs returned");
    spec.yLabel = QStringLiteral("saboteurs blocked");
    spec.curves = curves;
    spec.referenceX = PaperJobs;
    spec.referenceLabel = QStringLiteral("the paper: all 7 caught after 201 jobs");
    const QString plot
        = qEnvironmentVariable("PVC_BENCH_PLOT", QDir::current().filePath(QStringLiteral("bench-sabotage.png")));
    QVERIFY(pvc::test::writePlot(plot, spec));
    qInfo("plot: %s", qPrintable(plot));
}

int main(int argc, char** argv)
{
    return pvc::test::runPlottingBenchmark(argc, argv, "7200000", []() -> QObject& {
        static BenchSabotage bench;
        return bench;
    });
}

#include "bench_sabotage.moc"
