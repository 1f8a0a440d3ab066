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
#include <QThread>
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
constexpr int WorkerStartGapMs = 25;

struct Scheme {
    QString name;
    QJsonObject certification;
    unsigned colour;
    int taskFactor = 1; // a batch of PVC_BENCH_TASKS times this many tasks
};

// The long batch lets hosts pass enough spot-checks to be proven (credibility's point: a proven host's
// result needs no second opinion).
constexpr int LongBatchFactor = 10;

struct Outcome {
    int jobsUntilAllCaught = -1; // -1: not every saboteur was caught
    double errorRate = 0;
    double redundancy = 0; // replicas returned per task
    double overhead = 0; // replicas and spot-checks returned per task
    QList<QPointF> caught; // (jobs returned, saboteurs blocked)
    int hosts = 0; // workers that returned at least one job
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

QList<Scheme> schemes()
{
    const auto credibility
        = QJsonObject { { QStringLiteral("mode"), QStringLiteral("credibility") }, { QStringLiteral("quorum"), 2 },
              { QStringLiteral("max_replicas"), 4 }, { QStringLiteral("spot_check_every"), SpotCheckEvery },
              { QStringLiteral("target_error"), 0.01 }, { QStringLiteral("saboteur_fraction"), 0.1 } };
    return {
        { QStringLiteral("voting"),
            { { QStringLiteral("mode"), QStringLiteral("voting") }, { QStringLiteral("quorum"), 2 },
                { QStringLiteral("max_replicas"), 3 }, { QStringLiteral("spot_check_every"), SpotCheckEvery } },
            0xb91c1c },
        { QStringLiteral("spot-checking"),
            { { QStringLiteral("mode"), QStringLiteral("none") },
                { QStringLiteral("spot_check_every"), SpotCheckEvery } },
            0x15803d },
        { QStringLiteral("credibility"), credibility, 0x1d4ed8 },
        { QStringLiteral("credibility-10x"), credibility, 0x7c3aed, LongBatchFactor },
    };
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
    QJsonObject description(const Scheme& scheme, int tasks) const;
    bool startWorkers(quint16 port, const QSet<int>& saboteurs, const QString& dir);
    void stopWorkers();
    Outcome run(const Scheme& scheme, int index);
    Outcome measure(const QString& dir, int tasks) const;
    static void summarise(const Scheme& scheme, const QList<Outcome>& outcomes, QList<PlotCurve>* curves);
    int m_tasksPerBatch = 400;

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
    m_dir.setAutoRemove(qEnvironmentVariableIsEmpty("PVC_BENCH_KEEP"));
    if (!m_dir.autoRemove())
        qInfo("keeping %s", qPrintable(m_dir.path()));
    m_saboteurShell = m_dir.filePath(QStringLiteral("saboteur-sh"));
    QVERIFY(writeFile(m_saboteurShell, pvc::core::SaboteurShell));
    QFile::setPermissions(
        m_saboteurShell, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner | QFile::ExeOther | QFile::ReadOther);
    if (qEnvironmentVariableIntValue("PVC_BENCH_TASKS") > 0)
        m_tasksPerBatch = qEnvironmentVariableIntValue("PVC_BENCH_TASKS");
    makeBatches(m_tasksPerBatch * LongBatchFactor);
}

void BenchSabotage::cleanup()
{
    stopWorkers();
}

// Short tasks: sha256sum of a small input after a second's sleep (so that every worker gets work, not only the
// first to connect), each input distinct; the truth is the same command run here.
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
            { QStringLiteral("command"), QStringLiteral("sleep 1 && sha256sum in.txt > out.txt") },
            { QStringLiteral("inputs"),
                QJsonArray { QJsonObject { { QStringLiteral("path"), inputs + QLatin1Char('/') + id },
                    { QStringLiteral("as"), QStringLiteral("in.txt") } } } },
            { QStringLiteral("outputs"), QJsonArray { QStringLiteral("out.txt") } } };
    };
    for (int i = 0; i < tasks; ++i)
        m_tasks.append(task(QStringLiteral("t%1").arg(i, 6, 10, QLatin1Char('0'))));
    for (int i = 0; i < KnownAnswers; ++i) {
        const QString id = QStringLiteral("k%1").arg(i);
        QJsonObject check = task(id);
        const QString answer = inputs + QLatin1Char('/') + id + QStringLiteral(".answer");
        writeFile(answer, m_truth.value(id));
        check.insert(QStringLiteral("expected"), QJsonObject { { QStringLiteral("out.txt"), answer } });
        m_spotChecks.append(check);
    }
}

QJsonObject BenchSabotage::description(const Scheme& scheme, int tasks) const
{
    return QJsonObject { { QStringLiteral("format"), QStringLiteral("pvc-batch-1") },
        { QStringLiteral("name"), scheme.name }, { QStringLiteral("certification"), scheme.certification },
        { QStringLiteral("tasks"), QJsonArray::fromVariantList(m_tasks.toVariantList().mid(0, tasks)) },
        { QStringLiteral("spot_checks"), m_spotChecks } };
}

// Each worker in its own UTS and mount namespaces, with its own hostname and an /etc/hosts that resolves it
// (work_queue_worker looks its name up; unresolved, this Work Queue sends the manager a garbled one and is
// refused, and the lookup would leave the machine); a saboteur's shell is bound over /usr/bin/sh.
bool BenchSabotage::startWorkers(quint16 port, const QSet<int>& saboteurs, const QString& dir)
{
    for (int i = 1; i <= Workers; ++i) {
        const QString name = host(i);
        const QString workdir = dir + QStringLiteral("/worker-") + name;
        QDir().mkpath(workdir);
        const QString hosts = workdir + QStringLiteral(".hosts");
        writeFile(hosts, QStringLiteral("127.0.0.1 localhost\n127.0.1.1 %1\n").arg(name).toUtf8());
        QString script = QStringLiteral("hostname %1 && mount --bind %2 /etc/hosts && ").arg(name, hosts);
        if (saboteurs.contains(i))
            script += QStringLiteral("mount --bind %1 /usr/bin/sh && ").arg(m_saboteurShell);
        script += QStringLiteral("exec work_queue_worker --cores=1 --memory=64 --disk=256 --feature pvc-host-%1 "
                                 "--timeout=900 --workdir=%2 127.0.0.1 %3")
                      .arg(name, workdir)
                      .arg(port);
        auto worker = std::make_unique<QProcess>();
        worker->setProcessChannelMode(QProcess::MergedChannels);
        worker->setStandardOutputFile(dir + QStringLiteral("/worker-") + name + QStringLiteral(".log"));
        worker->start(QStringLiteral("unshare"),
            { QStringLiteral("--uts"), QStringLiteral("--mount"), QStringLiteral("--propagation"),
                QStringLiteral("private"), QStringLiteral("bash"), QStringLiteral("-c"), script });
        if (!worker->waitForStarted(5000))
            return false;
        m_workers.push_back(std::move(worker));
        // Work Queue's manager listens with a backlog of 5 and accepts one worker per wait: 70 at once
        // overflow it, and a worker whose connection was dropped comes back only seconds later.
        QThread::msleep(WorkerStartGapMs);
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
    const int tasks = m_tasksPerBatch * scheme.taskFactor;
    writeFile(batch, QJsonDocument(description(scheme, tasks)).toJson());
    QStringList hosts;
    for (int i = 1; i <= Workers; ++i)
        hosts << host(i);
    QStringList options { QStringLiteral("run"), batch, QStringLiteral("--dir"), dir + QStringLiteral("/run"),
        QStringLiteral("--port"), QString::number(port), QStringLiteral("--hosts"), hosts.join(QLatin1Char(',')),
        QStringLiteral("--per-host"), QStringLiteral("1"), QStringLiteral("--blocklist"),
        dir + QStringLiteral("/blocked"), QStringLiteral("--replica-timeout"), QStringLiteral("120") };
    if (!m_dir.autoRemove())
        options << QStringLiteral("--debug"); // PVC_BENCH_KEEP: Work Queue's debug log kept too
    QProcess batchRun;
    batchRun.setProcessChannelMode(QProcess::MergedChannels);
    batchRun.start(LabGrid::binary(QStringLiteral("pvc-batch")), options);
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
    return measure(dir + QStringLiteral("/run"), tasks);
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
    QSet<QString> hosts;
    outcome.caught.append(QPointF(0, 0));
    for (const BatchStore::Event& event : store.events()) {
        ++jobs;
        hosts.insert(event.host);
        if (event.kind == BatchStore::Event::Kind::Result || event.kind == BatchStore::Event::Kind::Failure)
            ++replicas;
        if (event.kind == BatchStore::Event::Kind::SpotFailed) {
            outcome.caught.append(QPointF(jobs, ++blocked));
            if (blocked == Saboteurs)
                outcome.jobsUntilAllCaught = jobs;
        }
    }
    outcome.caught.append(QPointF(jobs, blocked));
    outcome.hosts = int(hosts.size());
    int wrong = 0;
    for (auto it = m_truth.constBegin(); it != m_truth.constEnd(); ++it) {
        if (it.key().startsWith(QLatin1Char('k')) || it.key().mid(1).toInt() >= tasks)
            continue; // a known answer, or a task not in this batch
        QFile out(dir + QStringLiteral("/results/") + it.key() + QStringLiteral("/out.txt"));
        if (out.open(QIODevice::ReadOnly) && out.readAll() != it.value())
            ++wrong; // certified, and wrong (a task in doubt has no out.txt)
    }
    outcome.errorRate = double(wrong) / tasks;
    outcome.redundancy = double(replicas) / tasks;
    outcome.overhead = double(jobs) / tasks;
    return outcome;
}

// The medians of one scheme's runs, printed; the run whose detection is the median one goes to the plot
// (not the long batch's: its thousands of jobs would squash the other curves).
void BenchSabotage::summarise(const Scheme& scheme, const QList<Outcome>& outcomes, QList<PlotCurve>* curves)
{
    QList<double> caught, errors, redundancy, overhead;
    for (const Outcome& o : std::as_const(outcomes)) {
        caught << (o.jobsUntilAllCaught < 0 ? 1e9 : o.jobsUntilAllCaught);
        errors << o.errorRate;
        redundancy << o.redundancy;
        overhead << o.overhead;
    }
    const double medianCaught = median(caught);
    qInfo("%-15s %21s  %10.4f  %10.2f  %16.2f", qPrintable(scheme.name),
        medianCaught >= 1e9 ? "not all" : qPrintable(QString::number(medianCaught)), median(errors), median(redundancy),
        median(overhead));
    for (const Outcome& o : std::as_const(outcomes))
        if ((o.jobsUntilAllCaught < 0 ? 1e9 : o.jobsUntilAllCaught) == medianCaught) {
            if (scheme.taskFactor == 1)
                curves->append({ scheme.name, o.caught, scheme.colour, true });
            break;
        }
}

void BenchSabotage::sabotage()
{
    const int runs
        = qEnvironmentVariableIntValue("PVC_BENCH_RUNS") > 0 ? qEnvironmentVariableIntValue("PVC_BENCH_RUNS") : 3;
    qInfo("%d workers, %d saboteurs always wrong, a known-answer task 1 in %d, %lld tasks, %d runs per scheme", Workers,
        Saboteurs, SpotCheckEvery, qlonglong(m_tasksPerBatch), runs);
    QList<PlotCurve> curves;
    qInfo("scheme          jobs until all caught  error rate  redundancy  with spot-checks   (medians)");
    for (const Scheme& scheme : schemes()) {
        QList<Outcome> outcomes;
        for (int r = 0; r < runs; ++r) {
            outcomes.append(run(scheme, r));
            const Outcome& o = outcomes.last();
            QVERIFY2(o.overhead > 0, qPrintable(scheme.name + QStringLiteral(": the run failed")));
            // A saboteur that never got a job would make detection look faster than it is.
            QVERIFY2(o.hosts == Workers,
                qPrintable(
                    QStringLiteral("%1: only %2 of %3 workers took part").arg(scheme.name).arg(o.hosts).arg(Workers)));
            qInfo("  %s run %d: all caught after %d jobs, error rate %.4f, redundancy %.2f (%.2f)",
                qPrintable(scheme.name), r + 1, o.jobsUntilAllCaught, o.errorRate, o.redundancy, o.overhead);
        }
        summarise(scheme, outcomes, &curves);
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
