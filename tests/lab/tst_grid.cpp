// The grid layer on the lab (docs/grid.md): a real Work Queue manager (pvc-wqmanager) on the master, and
// on three volunteers (public, behind a cone NAT, behind a symmetric NAT) pvcd's own worker in its sandbox,
// reaching the manager only through the overlay. Needs root; skipped otherwise.
#include "tst_grid.h"

#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QTest>
#include <csignal>
#include <memory>

using pvc::core::ProcessStat;
using pvc::core::SandboxProcesses;
using pvc::test::LabGrid;
using pvc::test::LabNetwork;
using pvc::test::RunResult;

using namespace gridtest;

void TstGrid::initTestCase()
{
    if (!LabNetwork::isRoot())
        QSKIP("the lab needs root (network namespaces, pvc-helper)");
    for (const char* tool : { "ip", "nft", "bwrap", "work_queue_worker", "setpriv", "bash" })
        QVERIFY2(!QStandardPaths::findExecutable(QString::fromLatin1(tool)).isEmpty(),
            qPrintable(QStringLiteral("%1 is missing; see installer/debian-packages.txt").arg(QLatin1String(tool))));
    for (const char* binary :
        { "pvc-admin", "pvc-broker", "pvc-helper", "pvcd", "pvc", "pvc-sandbox-relay", "pvc-wqmanager" })
        QVERIFY2(QFileInfo(LabGrid::binary(QString::fromLatin1(binary))).isExecutable(),
            qPrintable(LabGrid::binary(QString::fromLatin1(binary)) + QStringLiteral(" is not built")));
    // Unprivileged user namespaces are what bwrap needs; a chroot or a kernel setting can forbid them.
    if (const QString why = LabGrid::sandboxUnavailable(); !why.isEmpty())
        QSKIP(qPrintable(why));
    LabNetwork::sweepStale();

    QElapsedTimer timer;
    timer.start();
    m_lab = std::make_unique<LabNetwork>(LabNetwork::topology(QStringLiteral("grid")));
    QVERIFY2(m_lab->isUp(), qPrintable(m_lab->error()));
    m_grid = std::make_unique<LabGrid>(*m_lab);
    m_grid->setWorkerNodes(volunteers);
    QVERIFY2(m_grid->start(), qPrintable(m_grid->error()));
    QVERIFY2(m_grid->setPolicy(policy), qPrintable(m_grid->error()));
    QVERIFY2(m_grid->startMembers(QStringList { master } + volunteers), qPrintable(m_grid->error()));
    QVERIFY2(m_grid->join(master, m_grid->invite(1, QStringLiteral("master"))), qPrintable(m_grid->error()));
    // The owner lends the machine even while in use, so that the lab's own load does not pause the grid.
    for (const QString& node : volunteers)
        QCOMPARE(
            m_grid->pvc(node, { QStringLiteral("set"), QStringLiteral("idle-minutes"), QStringLiteral("0") }).exitCode,
            0);
    QVERIFY2(m_grid->joinAll(volunteers, m_grid->invite(int(volunteers.size()))), qPrintable(m_grid->error()));
    // The master keeps the manager's port closed outside the overlay (docs/grid.md): work_queue_create binds all.
    const RunResult firewall = m_lab->exec(master,
        { QStringLiteral("nft"),
            QStringLiteral("add table inet pvcgrid; add chain inet pvcgrid input { type filter hook "
                           "input priority 0; }; add rule inet pvcgrid input tcp dport 9123 "
                           "iifname != \"pvc0\" drop") });
    QVERIFY2(firewall.exitCode == 0, qPrintable(firewall.err));
    m_work = m_grid->dir() + QStringLiteral("/batches");
    QVERIFY(QDir().mkpath(m_work));
    for (const QString& node : volunteers)
        QVERIFY2(waitForWorkerState(node, QStringLiteral("connecting"), 20000),
            QJsonDocument(worker(node)).toJson().constData());
    qInfo("lab, broker, master and 3 volunteers up and joined in %lld ms", timer.elapsed());
}

void TstGrid::cleanup()
{
    if (m_grid && QTest::currentTestFailed())
        qInfo("%s", qPrintable(m_grid->logTails(20)));
}

void TstGrid::cleanupTestCase()
{
    QList<qint64> pids;
    QString prefix;
    if (m_grid)
        pids = m_grid->startedPids();
    m_grid.reset();
    if (m_lab)
        prefix = m_lab->prefix();
    m_lab.reset();
    for (const qint64 pid : std::as_const(pids))
        QVERIFY2(LabGrid::waitFor([&] { return processGone(pid); }, 5000),
            qPrintable(QStringLiteral("process %1 outlived the test").arg(pid)));
}

bool TstGrid::waitForWorkerState(const QString& node, const QString& state, int timeoutMs)
{
    // "connecting" is met by any later state too: the worker may already be connected.
    const QStringList accepted = state == QLatin1String("connecting")
        ? QStringList { QStringLiteral("connecting"), QStringLiteral("idle"), QStringLiteral("busy") }
        : QStringList { state };
    return LabGrid::waitFor([&] { return accepted.contains(str(worker(node), "state")); }, timeoutMs, 300);
}

std::unique_ptr<SandboxProcesses> TstGrid::sandbox(const QString& node)
{
    const qint64 pid = worker(node).value(QLatin1String("pid")).toInteger();
    return pid > 0 ? std::make_unique<SandboxProcesses>(pid) : nullptr;
}

QProcess* TstGrid::startBatch(const QString& name, const QJsonArray& tasks)
{
    const QString batch = m_work + QLatin1Char('/') + name + QStringLiteral(".json");
    if (!writeFile(batch, QJsonDocument(QJsonObject { { QStringLiteral("tasks"), tasks } }).toJson()))
        return nullptr;
    return m_lab->spawn(master,
        { LabGrid::binary(QStringLiteral("pvc-wqmanager")), QStringLiteral("--port"), QString::number(managerPort),
            QStringLiteral("--batch"), batch, QStringLiteral("--report"),
            m_work + QLatin1Char('/') + name + QStringLiteral("-report.json"), QStringLiteral("--timeout"),
            QStringLiteral("240") });
}

QJsonObject TstGrid::finishBatch(QProcess* manager, const QString& name, int timeoutMs)
{
    if (!manager || (manager->state() != QProcess::NotRunning && !manager->waitForFinished(timeoutMs))) {
        qWarning("manager: %s", manager ? manager->readAllStandardError().constData() : "did not start");
        return {};
    }
    const QByteArray log = manager->readAllStandardError();
    qInfo("%s", log.right(400).constData());
    return QJsonDocument::fromJson(readFile(m_work + QLatin1Char('/') + name + QStringLiteral("-report.json")))
        .object();
}

QJsonObject TstGrid::runBatch(const QString& name, const QJsonArray& tasks, int timeoutMs)
{
    return finishBatch(startBatch(name, tasks), name, timeoutMs);
}

void TstGrid::managerPortClosedOffOverlay()
{
    // A manager listens on every address; from the lab internet, outside the overlay, its port is closed.
    // (One task that no worker may take keeps the manager listening.)
    QProcess* manager = startBatch(QStringLiteral("closed"),
        { task(QStringLiteral("never"), QStringLiteral("true"), {}, {}, QStringLiteral("pvc-host-none")) });
    QVERIFY(manager);
    QVERIFY(m_lab->waitForListening(master, managerPort));
    const RunResult direct = m_lab->exec(pub,
        { QStringLiteral("bash"), QStringLiteral("-c"),
            QStringLiteral("timeout 3 bash -c 'echo > /dev/tcp/%1/%2'").arg(m_lab->address(master)).arg(managerPort) });
    QVERIFY2(direct.exitCode != 0, "the manager's port answered on the master's public address");
    manager->kill();
    manager->waitForFinished(3000);
}

void TstGrid::workRunsAcrossNats()
{
    // 100 tasks, each hashing its own random input: every output must come back intact.
    QJsonArray tasks;
    QHash<QString, QByteArray> expected;
    for (int i = 0; i < 100; ++i) {
        const QString tag = QStringLiteral("hash-%1").arg(i);
        QByteArray input(4096 + i, Qt::Uninitialized);
        for (char& c : input)
            c = char(QRandomGenerator::global()->bounded(256));
        const QString in = m_work + QLatin1Char('/') + tag + QStringLiteral(".in");
        QVERIFY(writeFile(in, input));
        expected.insert(tag, sha256Of(input));
        tasks.append(
            task(tag, QStringLiteral("sleep 0.2; head -c 20M /dev/zero | sha256sum > /dev/null; sha256sum < in > out"),
                { file(in, QStringLiteral("in")) },
                { file(m_work + QLatin1Char('/') + tag + QStringLiteral(".out"), QStringLiteral("out")) }));
    }
    QElapsedTimer timer;
    timer.start();
    const QJsonObject report = runBatch(QStringLiteral("hashes"), tasks, 240000);
    QVERIFY2(report.value(QLatin1String("complete")).toBool(), QJsonDocument(report).toJson().constData());
    QHash<QString, int> perHost;
    for (const QJsonValue& value : report.value(QLatin1String("tasks")).toArray()) {
        const QJsonObject done = value.toObject();
        const QString tag = str(done, "tag");
        QCOMPARE(done.value(QLatin1String("result")).toInt(), 0);
        QCOMPARE(done.value(QLatin1String("exit")).toInt(), 0);
        const QByteArray out = readFile(m_work + QLatin1Char('/') + tag + QStringLiteral(".out"));
        QVERIFY2(
            out.startsWith(expected.value(tag)), qPrintable(tag + QStringLiteral(": ") + QString::fromLatin1(out)));
        ++perHost[str(done, "host")];
    }
    QStringList counts;
    for (const QString& node : volunteers)
        counts << node + QLatin1Char('=') + QString::number(perHost.value(node));
    qInfo("100 tasks in %lld ms: %s", timer.elapsed(), qPrintable(counts.join(u' ')));
    // Each volunteer reported its member name and ran work, whatever its NAT.
    for (const QString& node : volunteers)
        QVERIFY2(perHost.value(node) > 0, qPrintable(node + QStringLiteral(" ran no task")));
    QCOMPARE(perHost.size(), 3);
    // Each task hashes 20 MiB besides its input: CPU that pvcd counts as given to the grid.
    for (const QString& node : volunteers)
        QVERIFY2(worker(node).value(QLatin1String("cpu_seconds")).toDouble() > 0,
            QJsonDocument(worker(node)).toJson().constData());
}

#include "tst_grid.moc"

QTEST_GUILESS_MAIN(TstGrid)
