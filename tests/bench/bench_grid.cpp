// The grid layer's costs (docs/benchmarks.md, "Grid benchmark"), on tests/lab/topologies/grid.topo, as root:
// - short tasks per second that one volunteer completes through pvcd's sandboxed worker over the overlay, against
//   a plain work_queue_worker on the same host reaching the same manager over the underlay (the anchor), same run;
// - the time from `pvc pause` (the owner is back) to every process of the sandbox stopped.
// Medians of 9 samples each. Label `bench`: ctest -L bench -R bench_grid -V.
#include "grid/sandboxprocesses.h"
#include "labgrid.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QStandardPaths>
#include <QTest>
#include <QThread>
#include <algorithm>
#include <memory>

using pvc::core::SandboxProcesses;
using pvc::test::LabGrid;
using pvc::test::LabNetwork;

namespace {

const QString master = QStringLiteral("master");
const QString pub = QStringLiteral("pub");
constexpr int Samples = 9;
constexpr int TasksPerSample = 30;
constexpr quint16 OverlayPort = 9123;
constexpr quint16 UnderlayPort = 9124;
const QString policy = QStringLiteral(R"({"format":"pvc-policy-1","rules":[
    {"from":"group:volunteer","to":"group:master","proto":"tcp","ports":"9123"}]})");

double median(QList<double> values)
{
    std::sort(values.begin(), values.end());
    return values.isEmpty() ? 0 : values.at(values.size() / 2);
}

} // namespace

class BenchGrid : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void tasksPerSecond();
    void pauseLatency();

private:
    // A batch of short tasks (a 1 KiB input hashed into an output) on `port`; per-sample rates from the completions.
    QList<double> rates(quint16 port, const QString& name);
    QJsonObject worker() { return m_grid->status(pub).value(QLatin1String("worker")).toObject(); }

    std::unique_ptr<LabNetwork> m_lab;
    std::unique_ptr<LabGrid> m_grid;
    QString m_work;
};

void BenchGrid::initTestCase()
{
    if (!LabNetwork::isRoot())
        QSKIP("the lab needs root");
    LabNetwork::sweepStale();
    m_lab = std::make_unique<LabNetwork>(LabNetwork::topology(QStringLiteral("grid")));
    QVERIFY2(m_lab->isUp(), qPrintable(m_lab->error()));
    m_grid = std::make_unique<LabGrid>(*m_lab);
    m_grid->setWorkerNodes({ pub });
    QVERIFY2(m_grid->start(), qPrintable(m_grid->error()));
    QVERIFY2(m_grid->setPolicy(policy), qPrintable(m_grid->error()));
    QVERIFY2(m_grid->startMembers({ master, pub }), qPrintable(m_grid->error()));
    QVERIFY2(m_grid->join(master, m_grid->invite(1, QStringLiteral("master"))), qPrintable(m_grid->error()));
    for (const QStringList& set : { QStringList { QStringLiteral("idle-minutes"), QStringLiteral("0") },
             QStringList { QStringLiteral("cores"), QStringLiteral("1") } })
        QCOMPARE(m_grid->pvc(pub, QStringList { QStringLiteral("set") } + set).exitCode, 0);
    QVERIFY2(m_grid->join(pub, m_grid->invite(1)), qPrintable(m_grid->error()));
    m_work = m_grid->nobodyDir(QStringLiteral("bench"));
    QFile input(m_work + QStringLiteral("/in"));
    QVERIFY(input.open(QIODevice::WriteOnly) && input.write(QByteArray(1024, 'x')) == 1024);
}

void BenchGrid::cleanupTestCase()
{
    m_grid.reset();
    m_lab.reset();
}

QList<double> BenchGrid::rates(quint16 port, const QString& name)
{
    QJsonArray tasks;
    for (int i = 0; i < (Samples + 1) * TasksPerSample; ++i)
        tasks.append(QJsonObject { { QStringLiteral("tag"), QString::number(i) },
            { QStringLiteral("command"), QStringLiteral("sha256sum in > out") },
            { QStringLiteral("inputs"),
                QJsonArray { QJsonObject { { QStringLiteral("local"), m_work + QStringLiteral("/in") },
                    { QStringLiteral("remote"), QStringLiteral("in") } } } },
            { QStringLiteral("outputs"),
                QJsonArray { QJsonObject { { QStringLiteral("local"), m_work + QStringLiteral("/out-") + name },
                    { QStringLiteral("remote"), QStringLiteral("out") } } } } });
    const QString batch = m_work + QLatin1Char('/') + name + QStringLiteral(".json");
    const QString report = m_work + QLatin1Char('/') + name + QStringLiteral("-report.json");
    QFile file(batch);
    if (!file.open(QIODevice::WriteOnly)
        || file.write(QJsonDocument(QJsonObject { { QStringLiteral("tasks"), tasks } }).toJson()) < 0)
        return {};
    file.close();
    QProcess* manager = m_lab->spawn(master,
        { LabGrid::binary(QStringLiteral("pvc-wqmanager")), QStringLiteral("--port"), QString::number(port),
            QStringLiteral("--batch"), batch, QStringLiteral("--report"), report });
    if (!manager->waitForFinished(300000))
        return {};
    QFile result(report);
    if (!result.open(QIODevice::ReadOnly))
        return {};
    QList<double> done;
    for (const QJsonValue& value :
        QJsonDocument::fromJson(result.readAll()).object().value(QLatin1String("tasks")).toArray())
        done << value.toObject().value(QLatin1String("done_s")).toDouble();
    std::sort(done.begin(), done.end());
    // The first window holds the worker's connection; the next Samples windows are measured.
    QList<double> perSecond;
    for (int s = 1; s <= Samples && (s + 1) * TasksPerSample <= done.size(); ++s) {
        const double seconds = done.at((s + 1) * TasksPerSample - 1) - done.at(s * TasksPerSample - 1);
        perSecond << (seconds > 0 ? TasksPerSample / seconds : 0);
    }
    return perSecond;
}

void BenchGrid::tasksPerSecond()
{
    // The anchor: the same worker program, no sandbox, straight to the master's underlay address.
    const QString dir = m_grid->nobodyDir(QStringLiteral("underlay-worker"));
    QProcess* plain = m_lab->spawn(pub,
        { QStringLiteral("work_queue_worker"), m_lab->address(master), QString::number(UnderlayPort),
            QStringLiteral("--cores=1"), QStringLiteral("--workdir=") + dir },
        QStringLiteral("nobody"));
    const QList<double> underlay = rates(UnderlayPort, QStringLiteral("underlay"));
    plain->kill();
    plain->waitForFinished(5000);
    QVERIFY(LabGrid::waitFor(
        [&] {
            return QStringList { QStringLiteral("connecting"), QStringLiteral("idle") }.contains(
                worker().value(QLatin1String("state")).toString());
        },
        30000));
    const QList<double> overlay = rates(OverlayPort, QStringLiteral("overlay"));
    QCOMPARE(underlay.size(), Samples);
    QCOMPARE(overlay.size(), Samples);
    qInfo("tasks/s, median of %d windows of %d tasks: overlay (sandboxed worker) %.1f, underlay (plain worker) %.1f, "
          "ratio %.2f",
        Samples, TasksPerSample, median(overlay), median(underlay), median(overlay) / median(underlay));
}

void BenchGrid::pauseLatency()
{
    QFile task(m_work + QStringLiteral("/long.json"));
    QVERIFY(task.open(QIODevice::WriteOnly));
    task.write(R"({"tasks":[{"tag":"long","command":"sleep 600","inputs":[],"outputs":[]}]})");
    task.close();
    QProcess* manager = m_lab->spawn(master,
        { LabGrid::binary(QStringLiteral("pvc-wqmanager")), QStringLiteral("--port"), QString::number(OverlayPort),
            QStringLiteral("--batch"), task.fileName(), QStringLiteral("--report"),
            m_work + QStringLiteral("/long-report.json") });
    std::unique_ptr<SandboxProcesses> processes;
    QVERIFY(LabGrid::waitFor(
        [&] {
            const qint64 pid = worker().value(QLatin1String("pid")).toInteger();
            processes = pid > 0 ? std::make_unique<SandboxProcesses>(pid) : nullptr;
            return processes && processes->childrenOf(QStringLiteral("work_queue_work")) > 0;
        },
        60000));
    QList<double> latencies;
    for (int i = 0; i < Samples; ++i) {
        QElapsedTimer timer;
        timer.start();
        QCOMPARE(m_grid->pvc(pub, { QStringLiteral("pause"), QStringLiteral("5") }).exitCode, 0);
        QVERIFY(LabGrid::waitFor([&] { return processes->allStopped(); }, 5000, 5));
        latencies << double(timer.elapsed());
        QCOMPARE(m_grid->pvc(pub, { QStringLiteral("resume") }).exitCode, 0);
        QVERIFY(LabGrid::waitFor([&] { return !processes->allStopped(); }, 5000, 20));
        QThread::msleep(500);
    }
    manager->kill();
    std::sort(latencies.begin(), latencies.end());
    qInfo("owner active -> every process of the sandbox stopped (pvc pause, pvcd, SIGSTOP), median of %d: %.0f ms "
          "(min %.0f, max %.0f)",
        Samples, median(latencies), latencies.first(), latencies.last());
}

QTEST_GUILESS_MAIN(BenchGrid)
#include "bench_grid.moc"
