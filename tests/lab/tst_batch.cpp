// Certified batches (docs/batch.md) on tests/lab/topologies/batch.topo: pvc-batch on the master as the Work Queue
// manager, four volunteers' sandboxed workers over the overlay, and one of them a saboteur (pvcd --test-saboteur,
// a test build's switch: every file its tasks create gets a line appended). Needs root; skipped otherwise.
#include "batch/batchstore.h"
#include "batchrecords.h"
#include "labgrid.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QTest>
#include <csignal>
#include <memory>

using pvc::core::BatchStore;
using pvc::test::creditOf;
using pvc::test::eventsAfterBlock;
using pvc::test::LabGrid;
using pvc::test::LabNetwork;
using pvc::test::RunResult;

namespace {

const QString master = QStringLiteral("master");
const QString saboteur = QStringLiteral("v2");
const QStringList volunteers { QStringLiteral("v1"), saboteur, QStringLiteral("v3"), QStringLiteral("v4") };
const QString policy = QStringLiteral(R"({"format":"pvc-policy-1","rules":[
    {"from":"group:volunteer","to":"group:master","proto":"tcp","ports":"9123"},
    {"from":"any","to":"any","proto":"icmp"}]})");
// Deterministic, and it names its input: what a replica returns, byte for byte, if nobody cheats.
const QString taskCommand = QStringLiteral("sha256sum in.txt > out.txt && wc -c < in.txt >> out.txt");

bool writeFile(const QString& path, const QByteArray& bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

QByteArray readFile(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

class TstBatch : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void cleanupTestCase();
    void votingCertifiesAndBlocksTheSaboteur();
    void spotChecksUndoWhatTheSaboteurGotAccepted();
    void noResultStandsFromAHostNeverChecked();
    void blocklistHoldsForTheNextBatch();
    void killedBatchResumesWithoutRedoing();
    void missingOutputsAreInDoubt();
    void comparatorDecidesAndItsCrashCertifiesNothing();

private:
    // A batch folder with `count` tasks (and `checks` known-answer tasks) and its description; the expected
    // output of each task, computed here, by id.
    QString makeBatch(const QString& name, int count, int checks, const QJsonObject& certification,
        const QString& command = taskCommand);
    QProcess* startBatch(const QString& name, const QString& blocklist);
    int finishBatch(QProcess* batch, int timeoutMs = 240000);
    QJsonObject status(const QString& name);
    QList<BatchStore::Event> journal(const QString& name);
    QString dir(const QString& name) const { return m_work + QLatin1Char('/') + name; }
    // A certified output of a task, and the task's report, in the batch's results folder.
    QByteArray outputOf(const QString& name, const QString& task) const
    {
        return readFile(dir(name) + QStringLiteral("/results/") + task + QStringLiteral("/out.txt"));
    }
    QJsonObject reportOf(const QString& name, const QString& task) const
    {
        return QJsonDocument::fromJson(
            readFile(dir(name) + QStringLiteral("/results/") + task + QStringLiteral("/report.json")))
            .object();
    }
    static QString taskId(int i) { return QStringLiteral("t%1").arg(i, 2, 10, QLatin1Char('0')); }

    std::unique_ptr<LabNetwork> m_lab;
    std::unique_ptr<LabGrid> m_grid;
    QString m_work;
    QHash<QString, QByteArray> m_expected; // "batch/task" -> out.txt
};

void TstBatch::initTestCase()
{
    if (!LabNetwork::isRoot())
        QSKIP("the lab needs root (network namespaces, pvc-helper)");
    for (const char* tool : { "ip", "nft", "bwrap", "work_queue_worker", "setpriv", "bash", "sha256sum" })
        QVERIFY2(!QStandardPaths::findExecutable(QString::fromLatin1(tool)).isEmpty(), tool);
    QVERIFY2(QFileInfo(LabGrid::binary(QStringLiteral("pvc-batch"))).isExecutable(), "pvc-batch is not built");
    // The volunteers' workers run in bwrap sandboxes, which a chroot or a kernel setting can forbid.
    if (const QString why = LabGrid::sandboxUnavailable(); !why.isEmpty())
        QSKIP(qPrintable(why));
    LabNetwork::sweepStale();
    m_lab = std::make_unique<LabNetwork>(LabNetwork::topology(QStringLiteral("batch")));
    QVERIFY2(m_lab->isUp(), qPrintable(m_lab->error()));
    m_grid = std::make_unique<LabGrid>(*m_lab);
    m_grid->setWorkerNodes(volunteers);
    m_grid->setDaemonArguments(saboteur, { QStringLiteral("--test-saboteur") });
    QVERIFY2(m_grid->start(), qPrintable(m_grid->error()));
    QVERIFY2(m_grid->setPolicy(policy), qPrintable(m_grid->error()));
    QVERIFY2(m_grid->startMembers(QStringList { master } + volunteers), qPrintable(m_grid->error()));
    QVERIFY2(m_grid->join(master, m_grid->invite(1, QStringLiteral("master"))), qPrintable(m_grid->error()));
    for (const QString& node : volunteers)
        QCOMPARE(
            m_grid->pvc(node, { QStringLiteral("set"), QStringLiteral("idle-minutes"), QStringLiteral("0") }).exitCode,
            0);
    QVERIFY2(m_grid->joinAll(volunteers, m_grid->invite(int(volunteers.size()))), qPrintable(m_grid->error()));
    for (const QString& node : volunteers)
        QVERIFY2(m_grid->waitForAuthenticated(master, node, 30000), qPrintable(node));
    QVERIFY2(m_grid->log(saboteur + QStringLiteral("-pvcd")).contains(QLatin1String("TEST SWITCH")),
        "pvcd was built without PVC_TEST_SWITCHES");
    m_work = m_grid->dir() + QStringLiteral("/batches");
    QVERIFY(QDir().mkpath(m_work));
}

void TstBatch::cleanup()
{
    if (m_grid && QTest::currentTestFailed())
        qInfo("%s", qPrintable(m_grid->logTails(20)));
}

void TstBatch::cleanupTestCase()
{
    m_grid.reset();
    m_lab.reset();
}

QString TstBatch::makeBatch(
    const QString& name, int count, int checks, const QJsonObject& certification, const QString& command)
{
    const QString folder = m_work + QStringLiteral("/inputs-") + name;
    QDir().mkpath(folder);
    const auto task = [&](const QString& id) {
        QByteArray input = id.toUtf8() + ':';
        for (int i = 0; i < 64; ++i)
            input += QByteArray::number(QRandomGenerator::global()->generate64(), 36);
        writeFile(folder + QLatin1Char('/') + id + QStringLiteral(".txt"), input);
        // The answer, as an honest worker computes it: the same command on the same input, here.
        const QString scratch = folder + QStringLiteral("/scratch-") + id;
        QDir().mkpath(scratch);
        writeFile(scratch + QStringLiteral("/in.txt"), input);
        QProcess local;
        local.setWorkingDirectory(scratch);
        local.start(QStringLiteral("bash"), { QStringLiteral("-c"), command });
        local.waitForFinished(10000);
        m_expected.insert(name + QLatin1Char('/') + id, readFile(scratch + QStringLiteral("/out.txt")));
        return QJsonObject { { QStringLiteral("id"), id }, { QStringLiteral("command"), command },
            { QStringLiteral("inputs"),
                QJsonArray { QJsonObject { { QStringLiteral("path"), id + QStringLiteral(".txt") },
                    { QStringLiteral("as"), QStringLiteral("in.txt") } } } },
            { QStringLiteral("outputs"), QJsonArray { QStringLiteral("out.txt") } } };
    };
    QJsonArray tasks, spotChecks;
    for (int i = 0; i < count; ++i)
        tasks.append(task(taskId(i)));
    for (int i = 0; i < checks; ++i) {
        QJsonObject check = task(QStringLiteral("k%1").arg(i));
        const QString answer = check.value(QLatin1String("id")).toString() + QStringLiteral(".answer");
        writeFile(folder + QLatin1Char('/') + answer, m_expected.value(name + QStringLiteral("/k%1").arg(i)));
        check.insert(QStringLiteral("expected"), QJsonObject { { QStringLiteral("out.txt"), answer } });
        spotChecks.append(check);
    }
    QJsonObject description { { QStringLiteral("format"), QStringLiteral("pvc-batch-1") },
        { QStringLiteral("name"), name }, { QStringLiteral("certification"), certification },
        { QStringLiteral("tasks"), tasks } };
    if (!spotChecks.isEmpty())
        description.insert(QStringLiteral("spot_checks"), spotChecks);
    const QString file = folder + QStringLiteral("/batch.json");
    writeFile(file, QJsonDocument(description).toJson());
    return file;
}

QProcess* TstBatch::startBatch(const QString& name, const QString& blocklist)
{
    // As the admin runs it on the master: the hosts are the members the master's pvcd sees.
    return m_lab->spawn(master,
        { LabGrid::binary(QStringLiteral("pvc-batch")), QStringLiteral("run"),
            m_work + QStringLiteral("/inputs-") + name + QStringLiteral("/batch.json"), QStringLiteral("--dir"),
            dir(name), QStringLiteral("--control"), m_grid->controlPath(master), QStringLiteral("--blocklist"),
            m_work + QLatin1Char('/') + blocklist, QStringLiteral("--replica-timeout"), QStringLiteral("60"),
            QStringLiteral("--master"), m_grid->masterDir() });
}

int TstBatch::finishBatch(QProcess* batch, int timeoutMs)
{
    const bool ended = batch->waitForFinished(timeoutMs);
    const QByteArray log = batch->readAllStandardError();
    qInfo("pvc-batch said:\n%s", log.right(3000).constData());
    return ended && batch->exitStatus() == QProcess::NormalExit ? batch->exitCode() : -1;
}

QJsonObject TstBatch::status(const QString& name)
{
    const RunResult run = m_lab->exec(master,
        { LabGrid::binary(QStringLiteral("pvc-batch")), QStringLiteral("status"), dir(name),
            QStringLiteral("--json") });
    return QJsonDocument::fromJson(run.out.toUtf8()).object();
}

QList<BatchStore::Event> TstBatch::journal(const QString& name)
{
    BatchStore store;
    QString error;
    return store.open(dir(name) + QStringLiteral("/batch.db"), &error) ? store.events() : QList<BatchStore::Event> {};
}

// Issue 12, checks 1 and 2: 20 tasks, voting 2 of at most 3, a known-answer task every 4th task of a host.
void TstBatch::votingCertifiesAndBlocksTheSaboteur()
{
    const QString name = QStringLiteral("voting");
    makeBatch(name, 20, 2,
        { { QStringLiteral("mode"), QStringLiteral("voting") }, { QStringLiteral("quorum"), 2 },
            { QStringLiteral("max_replicas"), 3 }, { QStringLiteral("spot_check_every"), 4 } });
    QCOMPARE(finishBatch(startBatch(name, QStringLiteral("blocked-voting"))), 0);
    for (int i = 0; i < 20; ++i) {
        const QString id = taskId(i);
        QCOMPARE(outputOf(name, id), m_expected.value(name + QLatin1Char('/') + id));
        const QJsonObject report = reportOf(name, id);
        QCOMPARE(report.value(QLatin1String("decision")).toString(), QStringLiteral("certified"));
        QVERIFY(!report.value(QLatin1String("hosts")).toVariant().toStringList().contains(saboteur));
    }
    const QJsonObject s = status(name);
    QCOMPARE(s.value(QLatin1String("certified")).toInt(), 20);
    QCOMPARE(creditOf(s, saboteur), 0.0);
    for (const QString& host : { QStringLiteral("v1"), QStringLiteral("v3"), QStringLiteral("v4") })
        QVERIFY2(creditOf(s, host) > 0, qPrintable(host));
    QCOMPARE(s.value(QLatin1String("blocked")).toVariant().toStringList(), QStringList { saboteur });
    QVERIFY(readFile(m_work + QStringLiteral("/blocked-voting")).contains(saboteur.toUtf8()));
    QCOMPARE(eventsAfterBlock(journal(name), saboteur), 0); // blocked: no further task

    // The grants reach the volunteers as the master's signed statements: `pvc credits` on each shows them.
    for (const QString& host : volunteers) {
        const auto shown = [&] {
            return QJsonDocument::fromJson(
                m_grid->pvc(host, { QStringLiteral("credits"), QStringLiteral("--json") }).out.toUtf8())
                .object();
        };
        QVERIFY2(LabGrid::waitFor(
                     [&] { return qAbs(shown().value(QLatin1String("total")).toDouble() - creditOf(s, host)) < 1e-9; },
                     20000),
            qPrintable(host + QStringLiteral(": ") + QString::fromUtf8(QJsonDocument(shown()).toJson())));
        QCOMPARE(shown().value(QLatin1String("refused")).toInt(), 0);
    }
    qInfo("credits shown by pvc credits: v1 %.4f, v2 (saboteur) %.4f, v3 %.4f, v4 %.4f",
        creditOf(s, QStringLiteral("v1")), creditOf(s, saboteur), creditOf(s, QStringLiteral("v3")),
        creditOf(s, QStringLiteral("v4")));
}

// Check 2, the rest: with one replica per task only spot-checks stand between the saboteur and the results. It
// gets a task accepted before its first known-answer task; once caught, that task is computed again elsewhere.
// A host has at most 2 replicas in flight, so with a known-answer task every 3rd its first two tasks are real
// ones, and the known-answer task is given only once one of them came back: not a race between the two. With
// 24 tasks, about 6 a host, work is still waiting when that happens.
void TstBatch::spotChecksUndoWhatTheSaboteurGotAccepted()
{
    const QString name = QStringLiteral("single");
    makeBatch(name, 24, 1,
        { { QStringLiteral("mode"), QStringLiteral("none") }, { QStringLiteral("spot_check_every"), 3 },
            { QStringLiteral("spot_check_first"), false } });
    QCOMPARE(finishBatch(startBatch(name, QStringLiteral("blocked-single"))), 0);
    const QList<BatchStore::Event> events = journal(name);
    QStringList acceptedBeforeCaught;
    for (const BatchStore::Event& event : events) {
        if (event.kind == BatchStore::Event::Kind::SpotFailed)
            break;
        if (event.kind == BatchStore::Event::Kind::Result && event.host == saboteur)
            acceptedBeforeCaught.append(event.task);
    }
    QVERIFY2(!acceptedBeforeCaught.isEmpty(), "the saboteur had no result before it was caught");
    QCOMPARE(eventsAfterBlock(events, saboteur), 0);
    for (int i = 0; i < 24; ++i) {
        const QString id = taskId(i);
        QCOMPARE(outputOf(name, id), m_expected.value(name + QLatin1Char('/') + id));
    }
    for (const QString& task : std::as_const(acceptedBeforeCaught)) {
        const QJsonObject report = reportOf(name, task);
        QVERIFY(!report.value(QLatin1String("hosts")).toVariant().toStringList().contains(saboteur));
    }
    qInfo("the saboteur got %lld task(s) accepted before its first spot-check; all were computed again",
        qlonglong(acceptedBeforeCaught.size()));
}

// A schedule that gives no host its turn (a known-answer task only at the 100th task of a host, 8 tasks in
// all): every host whose result was accepted still faces one before the batch ends, and the saboteur's
// results are undone.
void TstBatch::noResultStandsFromAHostNeverChecked()
{
    const QString name = QStringLiteral("closing");
    makeBatch(name, 8, 1,
        { { QStringLiteral("mode"), QStringLiteral("none") }, { QStringLiteral("spot_check_every"), 100 },
            { QStringLiteral("spot_check_first"), false } });
    QCOMPARE(finishBatch(startBatch(name, QStringLiteral("blocked-closing"))), 0);
    const QList<BatchStore::Event> events = journal(name);
    QSet<QString> passed;
    int saboteurResults = 0;
    for (const BatchStore::Event& event : events) {
        if (event.kind == BatchStore::Event::Kind::SpotPassed)
            passed.insert(event.host);
        saboteurResults += event.kind == BatchStore::Event::Kind::Result && event.host == saboteur;
    }
    for (int i = 0; i < 8; ++i) {
        const QString id = taskId(i);
        QCOMPARE(outputOf(name, id), m_expected.value(name + QLatin1Char('/') + id));
        const QJsonObject report = reportOf(name, id);
        for (const QString& host : report.value(QLatin1String("hosts")).toVariant().toStringList())
            QVERIFY2(passed.contains(host), qPrintable(id + QStringLiteral(" accepted from unchecked ") + host));
    }
    // Its two first tasks are pinned to it when the batch starts: it always has results to undo.
    QVERIFY(saboteurResults > 0);
    QVERIFY(readFile(m_work + QStringLiteral("/blocked-closing")).contains(saboteur.toUtf8()));
    qInfo("hosts that passed a closing check: %s; the saboteur had %d result(s)",
        qPrintable(QStringList(passed.begin(), passed.end()).join(QLatin1Char(' '))), saboteurResults);
}

// The blocklist is the master's, not one batch's: the next batch gives the saboteur nothing.
void TstBatch::blocklistHoldsForTheNextBatch()
{
    const QString name = QStringLiteral("next");
    makeBatch(name, 6, 0, { { QStringLiteral("mode"), QStringLiteral("voting") } });
    QVERIFY(readFile(m_work + QStringLiteral("/blocked-single")).contains(saboteur.toUtf8()));
    QCOMPARE(finishBatch(startBatch(name, QStringLiteral("blocked-single"))), 0);
    for (const BatchStore::Event& event : journal(name))
        QVERIFY2(event.host != saboteur, qPrintable(event.task));
    QCOMPARE(status(name).value(QLatin1String("certified")).toInt(), 6);
}

// Check 3: pvc-batch killed mid-batch (SIGKILL: no chance to tidy up) and started again: what was certified
// stays, with no replica run again, and the rest is certified.
void TstBatch::killedBatchResumesWithoutRedoing()
{
    const QString name = QStringLiteral("killed");
    makeBatch(name, 16, 0, { { QStringLiteral("mode"), QStringLiteral("voting") } },
        QStringLiteral("sleep 1 && ") + taskCommand);
    QProcess* first = startBatch(name, QStringLiteral("blocked-single"));
    QVERIFY(LabGrid::waitFor([&] { return status(name).value(QLatin1String("certified")).toInt() >= 5; }, 120000, 300));
    ::kill(pid_t(first->processId()), SIGKILL);
    QVERIFY(first->waitForFinished(10000));
    QHash<QString, int> votesBefore;
    for (const BatchStore::Event& event : journal(name))
        ++votesBefore[event.task];
    BatchStore store;
    QString error;
    QVERIFY(store.open(dir(name) + QStringLiteral("/batch.db"), &error));
    QStringList certifiedBefore;
    for (const BatchStore::Decision& decision : store.decisions())
        certifiedBefore.append(decision.task);
    QVERIFY(certifiedBefore.size() >= 5 && certifiedBefore.size() < 16);

    QCOMPARE(finishBatch(startBatch(name, QStringLiteral("blocked-single"))), 0);
    QHash<QString, int> votesAfter;
    for (const BatchStore::Event& event : journal(name))
        ++votesAfter[event.task];
    for (const QString& task : std::as_const(certifiedBefore)) {
        QCOMPARE(votesAfter.value(task), votesBefore.value(task)); // not one replica more
        QCOMPARE(outputOf(name, task), m_expected.value(name + QLatin1Char('/') + task));
    }
    QCOMPARE(status(name).value(QLatin1String("certified")).toInt(), 16);
    qInfo(
        "%lld of 16 tasks were certified when pvc-batch was killed; none ran again", qlonglong(certifiedBefore.size()));
}

// Check 5: a task whose outputs never appear is in doubt, with the reason; the others are certified.
void TstBatch::missingOutputsAreInDoubt()
{
    const QString name = QStringLiteral("broken");
    const QString file = makeBatch(name, 2, 0, { { QStringLiteral("mode"), QStringLiteral("voting") } });
    QJsonObject description = QJsonDocument::fromJson(readFile(file)).object();
    QJsonArray tasks = description.value(QLatin1String("tasks")).toArray();
    tasks.append(QJsonObject { { QStringLiteral("id"), QStringLiteral("broken") },
        { QStringLiteral("command"), QStringLiteral("true") },
        { QStringLiteral("outputs"), QJsonArray { QStringLiteral("out.txt") } } });
    description.insert(QStringLiteral("tasks"), tasks);
    QVERIFY(writeFile(file, QJsonDocument(description).toJson()));
    QCOMPARE(finishBatch(startBatch(name, QStringLiteral("blocked-single"))), 3);
    const QJsonObject report = reportOf(name, QStringLiteral("broken"));
    QCOMPARE(report.value(QLatin1String("decision")).toString(), QStringLiteral("in-doubt"));
    QVERIFY2(report.value(QLatin1String("reason")).toString().contains(QLatin1String("no host left")),
        QJsonDocument(report).toJson().constData());
    QVERIFY(!QFile::exists(dir(name) + QStringLiteral("/results/broken/out.txt")));
    for (const BatchStore::Event& event : journal(name))
        if (event.task == QLatin1String("broken"))
            QVERIFY2(event.kind == BatchStore::Event::Kind::Failure && event.key.contains(QLatin1String("out.txt")),
                qPrintable(event.key));
    QCOMPARE(status(name).value(QLatin1String("certified")).toInt(), 2);
}

// Check 5, the comparator: outputs with a line that differs every run (a date, as BLAST writes) are certified by a
// comparator that ignores it; a comparator that crashes certifies nothing, and says why.
void TstBatch::comparatorDecidesAndItsCrashCertifiesNothing()
{
    const QString stamped = taskCommand + QStringLiteral(" && echo \"when: $(date +%s%N)\" >> out.txt");
    const QString name = QStringLiteral("compared");
    makeBatch(name, 4, 0,
        { { QStringLiteral("mode"), QStringLiteral("voting") },
            { QStringLiteral("comparator"), QJsonArray { QStringLiteral("./same.sh") } } },
        stamped);
    const QString inputs = m_work + QStringLiteral("/inputs-");
    QVERIFY(writeFile(inputs + name + QStringLiteral("/same.sh"),
        "#!/bin/bash\ndiff <(grep -v '^when:' \"$1\") <(grep -v '^when:' \"$2\") >/dev/null\n"));
    QFile::setPermissions(
        inputs + name + QStringLiteral("/same.sh"), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    QCOMPARE(finishBatch(startBatch(name, QStringLiteral("blocked-single"))), 0);
    for (int i = 0; i < 4; ++i) {
        const QString id = taskId(i);
        const QByteArray out = outputOf(name, id);
        QVERIFY2(out.contains("\nwhen: "), out.constData());
        const QByteArray expected = m_expected.value(name + QLatin1Char('/') + id);
        QCOMPARE(out.left(out.indexOf("when: ")), expected.left(expected.indexOf("when: ")));
    }

    const QString crashed = QStringLiteral("crashed");
    makeBatch(crashed, 2, 0,
        { { QStringLiteral("mode"), QStringLiteral("voting") },
            { QStringLiteral("comparator"), QJsonArray { QStringLiteral("./crash.sh") } } },
        stamped);
    QVERIFY(writeFile(inputs + crashed + QStringLiteral("/crash.sh"), "#!/bin/bash\nkill -SEGV $$\n"));
    QFile::setPermissions(
        inputs + crashed + QStringLiteral("/crash.sh"), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    QCOMPARE(finishBatch(startBatch(crashed, QStringLiteral("blocked-single"))), 3);
    for (const QString& id : { QStringLiteral("t00"), QStringLiteral("t01") }) {
        QVERIFY(!QFile::exists(dir(crashed) + QStringLiteral("/results/") + id + QStringLiteral("/out.txt")));
        const QJsonObject report = reportOf(crashed, id);
        QCOMPARE(report.value(QLatin1String("decision")).toString(), QStringLiteral("in-doubt"));
    }
    bool saidWhy = false;
    for (const BatchStore::Event& event : journal(crashed))
        saidWhy = saidWhy || event.key.contains(QLatin1String("the comparator crashed"));
    QVERIFY(saidWhy);
}

QTEST_GUILESS_MAIN(TstBatch)
#include "tst_batch.moc"
