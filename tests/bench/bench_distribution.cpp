// The paper's Fig. 6 for pvc (docs/benchmarks.md, "Data distribution benchmark"), on
// tests/lab/topologies/swarm.topo, as root: the time to give one large input to N = 1, 2, 4, 8 workers,
// every link (the master's and each volunteer's) shaped by tc tbf both ways, comparing
// - Work Queue's own per-task input transfer: the manager on the master sends the file to each worker;
// - BitTorrent through pvc: the master publishes the file (pvc-admin publish) and each task fetches it
//   through its sandbox's data socket (docs/data.md), the volunteers serving each other.
// Both are batches of N tasks pinned one per worker, through pvc-wqmanager over the overlay; a batch's
// time runs from the first input leaving the manager to the last task back. Each BitTorrent round
// publishes the file under a new name (a new info-hash), so every cache starts cold.
// Environment: PVC_BENCH_MB (500), PVC_BENCH_RATE (50mbit), PVC_BENCH_SAMPLES (3, BitTorrent),
// PVC_BENCH_WQ_SAMPLES (1, Work Queue: its time is the link's, sample after sample), PVC_BENCH_PLOT
// (bench-distribution.png in the working directory). Label `bench`: ctest -L bench -R bench_distribution -V.
#include "benchplot.h"
#include "labgrid.h"
#include "labshaper.h"

#include <QDir>
#include <QFile>
#include <QGuiApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTest>
#include <algorithm>
#include <memory>
#include <unistd.h>
#include <vector>

using pvc::test::LabGrid;
using pvc::test::LabNetwork;
using pvc::test::LabShaper;
using pvc::test::PlotCurve;
using pvc::test::RunResult;

namespace {

const QString master = QStringLiteral("master");
const QStringList workers { QStringLiteral("w1"), QStringLiteral("w2"), QStringLiteral("w3"), QStringLiteral("w4"),
    QStringLiteral("w5"), QStringLiteral("w6"), QStringLiteral("w7"), QStringLiteral("w8") };
const QList<int> counts { 1, 2, 4, 8 };
constexpr quint16 ManagerPort = 9123;
const QString policy = QStringLiteral(R"({"format":"pvc-policy-1","rules":[
    {"from":"group:volunteer","to":"group:master","proto":"tcp","ports":"9123"},
    {"from":"any","to":"any","proto":"tcp","ports":"6881"},
    {"from":"any","to":"any","proto":"icmp"}]})");

int setting(const char* name, int fallback)
{
    bool ok = false;
    const int value = qEnvironmentVariableIntValue(name, &ok);
    return ok && value > 0 ? value : fallback;
}

double median(QList<double> values)
{
    std::sort(values.begin(), values.end());
    return values.isEmpty() ? 0 : values.at(values.size() / 2);
}

// "50mbit" in bits per second.
double bitsPerSecond(const QString& rate)
{
    const QString lower = rate.toLower();
    for (const auto& [suffix, factor] : { qMakePair(QStringLiteral("gbit"), 1e9),
             qMakePair(QStringLiteral("mbit"), 1e6), qMakePair(QStringLiteral("kbit"), 1e3) })
        if (lower.endsWith(suffix))
            return lower.chopped(suffix.size()).toDouble() * factor;
    return lower.toDouble();
}

} // namespace

class BenchDistribution : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void distribution();

private:
    bool waitForWorkers();
    QString makeInput(qint64 bytes);
    // Publishes a hard link to the input under a new name through the master's pvcd; its reference.
    QString publishCopy(const QString& name);
    // Runs N tasks, one per worker w1..wN, each given the input by `command` and `inputs`; the batch's seconds
    // (first input leaving the manager to last task back), or a negative number after a failure.
    double runBatch(const QString& name, int n, const QString& command, const QJsonArray& inputs);

    std::unique_ptr<LabNetwork> m_lab;
    std::unique_ptr<LabGrid> m_grid;
    std::vector<std::unique_ptr<LabShaper>> m_shapers;
    QString m_work;
    QString m_input;
    QString m_rate;
    qint64 m_bytes = 0;
};

void BenchDistribution::initTestCase()
{
    if (!LabNetwork::isRoot())
        QSKIP("the lab needs root");
    if (const QString why = LabGrid::sandboxUnavailable(); !why.isEmpty())
        QSKIP(qPrintable(why));
    LabNetwork::sweepStale();
    m_lab = std::make_unique<LabNetwork>(LabNetwork::topology(QStringLiteral("swarm")));
    QVERIFY2(m_lab->isUp(), qPrintable(m_lab->error()));
    m_grid = std::make_unique<LabGrid>(*m_lab);
    m_grid->setWorkerNodes(workers);
    QVERIFY2(m_grid->start(), qPrintable(m_grid->error()));
    QVERIFY2(m_grid->setPolicy(policy), qPrintable(m_grid->error()));
    QVERIFY2(m_grid->startMembers(QStringList { master } + workers), qPrintable(m_grid->error()));
    QVERIFY2(m_grid->join(master, m_grid->invite(1, QStringLiteral("master"))), qPrintable(m_grid->error()));
    for (const QString& node : workers)
        for (const QStringList& set : { QStringList { QStringLiteral("idle-minutes"), QStringLiteral("0") },
                 QStringList { QStringLiteral("cores"), QStringLiteral("1") },
                 QStringList { QStringLiteral("cache"), QStringLiteral("1500") } })
            QCOMPARE(m_grid->pvc(node, QStringList { QStringLiteral("set") } + set).exitCode, 0);
    QVERIFY2(m_grid->joinAll(workers, m_grid->invite(int(workers.size()))), qPrintable(m_grid->error()));
    for (const QString& node : workers)
        QVERIFY2(m_grid->waitForAuthenticated(node, master, 60000), qPrintable(node));
    QVERIFY2(waitForWorkers(), "the workers did not start");

    m_rate = qEnvironmentVariable("PVC_BENCH_RATE", QStringLiteral("50mbit"));
    m_bytes = qint64(setting("PVC_BENCH_MB", 500)) * 1000 * 1000;
    // A burst of about 10 ms at the rate: tbf's minimum of a few KB would hold a fast link below its rate.
    const QString burst = QString::number(qMax(32.0, bitsPerSecond(m_rate) / 100 / 1000)) + QStringLiteral("kbit");
    for (const QString& node : QStringList { master } + workers) {
        m_shapers.push_back(std::make_unique<LabShaper>(*m_lab, node, m_rate, LabShaper::Direction::Both, burst));
        QVERIFY2(m_shapers.back()->active(), qPrintable(m_shapers.back()->error()));
    }
    m_work = m_grid->nobodyDir(QStringLiteral("bench"));
    m_input = makeInput(m_bytes);
    QVERIFY(!m_input.isEmpty());
}

void BenchDistribution::cleanupTestCase()
{
    if (m_grid && QTest::currentTestFailed())
        qInfo("%s", qPrintable(m_grid->logTails(20)));
    m_shapers.clear();
    m_grid.reset();
    m_lab.reset();
}

bool BenchDistribution::waitForWorkers()
{
    return LabGrid::waitFor(
        [this] {
            for (const QString& node : workers) {
                const QString state = m_grid->status(node)
                                          .value(QLatin1String("worker"))
                                          .toObject()
                                          .value(QLatin1String("state"))
                                          .toString();
                if (state != QLatin1String("connecting") && state != QLatin1String("idle"))
                    return false;
            }
            return true;
        },
        90000, 1000);
}

QString BenchDistribution::makeInput(qint64 bytes)
{
    const QString path = m_work + QStringLiteral("/input.bin");
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return {};
    QByteArray block(1 << 20, Qt::Uninitialized);
    for (qint64 written = 0; written < bytes; written += block.size()) {
        for (qsizetype i = 0; i + 8 <= block.size(); i += 8)
            *reinterpret_cast<quint64*>(block.data() + i) = QRandomGenerator::global()->generate64();
        const qint64 size = qMin<qint64>(block.size(), bytes - written);
        if (file.write(block.constData(), size) != size)
            return {};
    }
    file.close();
    QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::ReadOther | QFileDevice::WriteOwner);
    return path;
}

QString BenchDistribution::publishCopy(const QString& name)
{
    const QString copy = m_grid->nobodyDir(name) + QLatin1Char('/') + name + QStringLiteral(".bin");
    if (::link(QFile::encodeName(m_input).constData(), QFile::encodeName(copy).constData()) != 0)
        return {}; // a hard link: the same bytes under a new name, hence a new info-hash
    const RunResult published = m_lab->exec(master,
        { LabGrid::binary(QStringLiteral("pvc-admin")), QStringLiteral("publish"), QStringLiteral("--control"),
            m_grid->controlPath(master), copy },
        300000, QStringLiteral("nobody"));
    const QString reference = published.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts).value(1).trimmed();
    if (published.exitCode != 0 || !reference.startsWith(QLatin1String("pvc-data:")))
        qWarning("publish failed: %s %s", qPrintable(published.out), qPrintable(published.err));
    return reference.startsWith(QLatin1String("pvc-data:")) ? reference : QString();
}

double BenchDistribution::runBatch(const QString& name, int n, const QString& command, const QJsonArray& inputs)
{
    QJsonArray tasks;
    for (int i = 0; i < n; ++i)
        tasks.append(QJsonObject { { QStringLiteral("tag"), name + QLatin1Char('-') + workers.at(i) },
            { QStringLiteral("command"), command }, { QStringLiteral("inputs"), inputs },
            { QStringLiteral("outputs"), QJsonArray() },
            { QStringLiteral("feature"), QStringLiteral("pvc-host-") + workers.at(i) },
            { QStringLiteral("max_retries"), 1 } });
    const QString batch = m_work + QLatin1Char('/') + name + QStringLiteral(".json");
    const QString report = m_work + QLatin1Char('/') + name + QStringLiteral("-report.json");
    QFile file(batch);
    if (!file.open(QIODevice::WriteOnly)
        || file.write(QJsonDocument(QJsonObject { { QStringLiteral("tasks"), tasks } }).toJson()) < 0)
        return -1;
    file.close();
    // Every worker is connected before anything is submitted: the batch starts on all of them at once.
    QProcess* manager = m_lab->spawn(master,
        { LabGrid::binary(QStringLiteral("pvc-wqmanager")), QStringLiteral("--port"), QString::number(ManagerPort),
            QStringLiteral("--batch"), batch, QStringLiteral("--report"), report, QStringLiteral("--workers"),
            QString::number(workers.size()), QStringLiteral("--timeout"), QStringLiteral("3000") });
    if (!manager->waitForFinished(3300 * 1000) || manager->exitCode() != 0) {
        qWarning("%s: pvc-wqmanager: %s", qPrintable(name), manager->readAllStandardError().constData());
        return -1;
    }
    QFile result(report);
    if (!result.open(QIODevice::ReadOnly))
        return -1;
    double first = 1e9, last = 0;
    for (const QJsonValue& value :
        QJsonDocument::fromJson(result.readAll()).object().value(QLatin1String("tasks")).toArray()) {
        const QJsonObject task = value.toObject();
        if (task.value(QLatin1String("result")).toInt() != 0 || task.value(QLatin1String("exit")).toInt() != 0) {
            qWarning("%s: task %s failed: %s", qPrintable(name),
                qPrintable(task.value(QLatin1String("tag")).toString()),
                QJsonDocument(task).toJson(QJsonDocument::Compact).constData());
            return -1;
        }
        first = std::min(first, task.value(QLatin1String("commit_start_s")).toDouble());
        last = std::max(last, task.value(QLatin1String("finished_s")).toDouble());
    }
    return last - first;
}

void BenchDistribution::distribution()
{
    const int btSamples = setting("PVC_BENCH_SAMPLES", 3);
    const int wqSamples = setting("PVC_BENCH_WQ_SAMPLES", 1);
    const double ideal = double(m_bytes) * 8 / bitsPerSecond(m_rate);
    // The task checks that it has the whole input.
    const auto checked
        = [this](const QString& file) { return QStringLiteral("test \"$(wc -c < %1)\" = %2").arg(file).arg(m_bytes); };
    PlotCurve wq { QStringLiteral("Work Queue's own transfer"), {}, 0xb91c1c };
    PlotCurve bt { QStringLiteral("BitTorrent through pvc"), {}, 0x1d4ed8 };
    qInfo("%lld MB to N workers, every link %s both ways (one copy at that rate: %.0f s)", m_bytes / 1000000,
        qPrintable(m_rate), ideal);
    for (const int n : counts) {
        QList<double> wqTimes, btTimes;
        for (int s = 0; s < wqSamples; ++s) {
            const QJsonArray inputs { QJsonObject {
                { QStringLiteral("local"), m_input }, { QStringLiteral("remote"), QStringLiteral("input.bin") } } };
            const double seconds
                = runBatch(QStringLiteral("wq-%1-%2").arg(n).arg(s), n, checked(QStringLiteral("input.bin")), inputs);
            QVERIFY2(seconds > 0, "a Work Queue batch failed");
            wqTimes << seconds;
            qInfo("  Work Queue, N=%d, sample %d: %.1f s", n, s + 1, seconds);
        }
        for (int s = 0; s < btSamples; ++s) {
            const QString name = QStringLiteral("bt-%1-%2").arg(n).arg(s);
            const QString reference = publishCopy(name);
            QVERIFY2(!reference.isEmpty(), "publish failed");
            const double seconds = runBatch(name, n,
                QStringLiteral("p=$(/pvc/pvc-sandbox-relay --fetch %1) && ").arg(reference)
                    + checked(QStringLiteral("\"$p\"")),
                {});
            QVERIFY2(seconds > 0, "a BitTorrent batch failed");
            btTimes << seconds;
            qInfo("  BitTorrent, N=%d, sample %d: %.1f s", n, s + 1, seconds);
        }
        wq.points.append(QPointF(n, median(wqTimes)));
        bt.points.append(QPointF(n, median(btTimes)));
    }
    qInfo("N   Work Queue (s)  BitTorrent (s)  BT/WQ  WQ(N)/WQ(1)  BT(N)/BT(1)  BT/one copy");
    for (int i = 0; i < counts.size(); ++i)
        qInfo("%-3d %14.1f  %14.1f  %5.2f  %11.2f  %11.2f  %11.2f", counts.at(i), wq.points.at(i).y(),
            bt.points.at(i).y(), bt.points.at(i).y() / wq.points.at(i).y(), wq.points.at(i).y() / wq.points.first().y(),
            bt.points.at(i).y() / bt.points.first().y(), bt.points.at(i).y() / ideal);
    const QString plot
        = qEnvironmentVariable("PVC_BENCH_PLOT", QDir::current().filePath(QStringLiteral("bench-distribution.png")));
    pvc::test::PlotSpec spec;
    spec.title = QStringLiteral("%1 MB to N workers, links %2 both ways (medians)").arg(m_bytes / 1000000).arg(m_rate);
    spec.xLabel = QStringLiteral("workers (N)");
    spec.yLabel = QStringLiteral("seconds until every worker has the input");
    spec.curves = { wq, bt };
    spec.xTicks = { 1, 2, 4, 8 };
    spec.referenceY = ideal;
    spec.referenceLabel = QStringLiteral("one copy at the link's rate");
    QVERIFY(pvc::test::writePlot(plot, spec));
    qInfo("plot: %s", qPrintable(plot));
}

int main(int argc, char** argv)
{
    return pvc::test::runPlottingBenchmark(argc, argv, "5400000", []() -> QObject& {
        static BenchDistribution bench;
        return bench;
    });
}

#include "bench_distribution.moc"
