// The grid layer on the lab, the owner's side (docs/grid.md): the sandbox holds, the cores hold, a pause
// stops every task process and a resume finishes the work, and a volunteer that dies loses nothing.
#include "grid/ownerpreferences.h"
#include "tst_grid.h"

#include <QDir>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTest>
#include <QThread>

using namespace gridtest;
using pvc::core::ProcessStat;
using pvc::test::LabGrid;
using pvc::test::RunResult;

namespace {

// Each check prints "NAME reached" or "NAME blocked"; then the task's own, allowed, work.
const char* SandboxScript
    = R"(check() { if bash -c "$2" >/dev/null 2>&1; then echo "$1 reached"; else echo "$1 blocked"; fi; }
check owner-file "cat '%1'"
check write-owner-dir "touch '%2/escape'"
check write-usr "touch /usr/pvc-escape"
check write-etc "touch /etc/pvc-escape"
check control-socket "test -e '%3'"
check state-dir "ls '%4'"
check home-lan "timeout 3 bash -c 'echo > /dev/tcp/%5/8080'"
check internet "timeout 3 bash -c 'echo > /dev/tcp/%6/8081'"
check host-loopback "timeout 3 bash -c 'echo > /dev/tcp/127.0.0.1/8082'"
check manager-direct "timeout 3 bash -c 'echo > /dev/tcp/%7/9123'"
check other-volunteer "timeout 3 bash -c 'echo > /dev/tcp/%8/9123'"
check user-namespace "unshare -Ur true"
echo allowed > own-file && cat own-file
)";

const QStringList SandboxChecks { QStringLiteral("owner-file"), QStringLiteral("write-owner-dir"),
    QStringLiteral("write-usr"), QStringLiteral("write-etc"), QStringLiteral("control-socket"),
    QStringLiteral("state-dir"), QStringLiteral("home-lan"), QStringLiteral("internet"),
    QStringLiteral("host-loopback"), QStringLiteral("manager-direct"), QStringLiteral("other-volunteer"),
    QStringLiteral("user-namespace") };

QString tcpProbe(const QString& address, quint16 port)
{
    return QStringLiteral("timeout 3 bash -c 'echo > /dev/tcp/%1/%2'").arg(address).arg(port);
}

} // namespace

void TstGrid::sandboxHolds()
{
    // What the owner has: a file in their home, services on their LAN and loopback, the Internet.
    const QString home = m_grid->nobodyDir(QStringLiteral("owner-home"));
    const QString marker = home + QStringLiteral("/marker.txt");
    QVERIFY(writeFile(marker, "the owner's file\n"));
    const QString lan = m_lab->address(cone);
    m_lab->spawn(cone,
        { QStringLiteral("socat"), QStringLiteral("TCP-LISTEN:8080,bind=%1,fork,reuseaddr").arg(lan),
            QStringLiteral("SYSTEM:echo lan") });
    m_lab->spawn(pub,
        { QStringLiteral("socat"), QStringLiteral("TCP-LISTEN:8081,fork,reuseaddr"),
            QStringLiteral("SYSTEM:echo internet") });
    m_lab->spawn(cone,
        { QStringLiteral("socat"), QStringLiteral("TCP-LISTEN:8082,bind=127.0.0.1,fork,reuseaddr"),
            QStringLiteral("SYSTEM:echo loopback") });
    QVERIFY(m_lab->waitForListening(cone, 8080) && m_lab->waitForListening(pub, 8081)
        && m_lab->waitForListening(cone, 8082));
    const QString masterIp = m_grid->virtualIp(master);
    const QString script = QString::fromLatin1(SandboxScript)
                               .arg(marker, home, m_grid->controlPath(cone), m_grid->stateDir(cone), lan,
                                   m_lab->address(pub), masterIp, m_grid->virtualIp(pub));
    const QString scriptFile = m_work + QStringLiteral("/checks.sh");
    QVERIFY(writeFile(scriptFile, script.toUtf8()));
    const QString out = m_work + QStringLiteral("/checks.out");
    QProcess* manager = startBatch(QStringLiteral("sandbox"),
        { task(QStringLiteral("checks"), QStringLiteral("bash checks.sh > out 2>&1"),
            { file(scriptFile, QStringLiteral("checks.sh")) }, { file(out, QStringLiteral("out")) },
            QStringLiteral("pvc-host-") + cone) });
    QVERIFY(m_lab->waitForListening(master, managerPort));

    // Outside the sandbox, as the same user on the same host, each of these works: the sandbox is what stops them.
    const QStringList controls { QStringLiteral("cat '%1'").arg(marker), tcpProbe(lan, 8080),
        tcpProbe(m_lab->address(pub), 8081), tcpProbe(QStringLiteral("127.0.0.1"), 8082),
        tcpProbe(masterIp, managerPort), QStringLiteral("unshare -Ur true") };
    for (const QString& control : controls) {
        const RunResult result = m_lab->exec(
            cone, { QStringLiteral("bash"), QStringLiteral("-c"), control }, 10000, QStringLiteral("nobody"));
        QVERIFY2(result.exitCode == 0, qPrintable(QStringLiteral("outside the sandbox, failed: ") + control));
    }

    const QJsonObject report = finishBatch(manager, QStringLiteral("sandbox"), 120000);
    QVERIFY2(report.value(QLatin1String("complete")).toBool(), QJsonDocument(report).toJson().constData());
    const QString result = QString::fromUtf8(readFile(out));
    qInfo("%s", qPrintable(result));
    for (const QString& check : SandboxChecks)
        QVERIFY2(
            result.contains(check + QStringLiteral(" blocked\n")), qPrintable(check + QStringLiteral(": ") + result));
    QVERIFY2(result.endsWith(QLatin1String("allowed\n")), qPrintable(result));
    QVERIFY(!QFile::exists(home + QStringLiteral("/escape")));
}

void TstGrid::coresHold()
{
    // Tasks pinned to one volunteer: never more at once than the cores it gives; a change applies.
    for (const int cores : { 1, 2 }) {
        QCOMPARE(
            m_grid->pvc(pub, { QStringLiteral("set"), QStringLiteral("cores"), QString::number(cores) }).exitCode, 0);
        QVERIFY2(LabGrid::waitFor(
                     [&] {
                         const QJsonObject w = worker(pub);
                         return w.value(QLatin1String("cores")).toInt() == cores
                             && str(w, "state") != QLatin1String("busy");
                     },
                     70000, 300),
            QJsonDocument(worker(pub)).toJson().constData());
        QJsonArray tasks;
        for (int i = 0; i < 4; ++i) {
            const QString tag = QStringLiteral("cores%1-%2").arg(cores).arg(i);
            tasks.append(task(tag, QStringLiteral("sleep 3; echo done > out"), {},
                { file(m_work + QLatin1Char('/') + tag, QStringLiteral("out")) }, QStringLiteral("pvc-host-") + pub));
        }
        QProcess* manager = startBatch(QStringLiteral("cores%1").arg(cores), tasks);
        QVERIFY(manager);
        int most = 0;
        while (manager->state() != QProcess::NotRunning) {
            if (const auto processes = sandbox(pub))
                most = std::max(most, processes->childrenOf(workerComm));
            manager->waitForFinished(200);
        }
        const QJsonObject report = finishBatch(manager, QStringLiteral("cores%1").arg(cores), 1000);
        QVERIFY2(report.value(QLatin1String("complete")).toBool(), QJsonDocument(report).toJson().constData());
        qInfo("cores %d: at most %d tasks at once", cores, most);
        QCOMPARE(most, cores);
    }
}

void TstGrid::pauseAndResume()
{
    // A 10 s task on the cone volunteer; the owner pauses for 30 s in the middle of it.
    const QString out = m_work + QStringLiteral("/pause.out");
    QProcess* manager = startBatch(QStringLiteral("pause"),
        { task(QStringLiteral("ticks"),
            QStringLiteral("for i in $(seq 1 20); do echo $i >> ticks; sleep 0.5; done; cat ticks > out"), {},
            { file(out, QStringLiteral("out")) }, QStringLiteral("pvc-host-") + cone) });
    QVERIFY(manager);
    QVERIFY2(LabGrid::waitFor(
                 [&] {
                     const auto processes = sandbox(cone);
                     return processes && processes->childrenOf(workerComm) > 0;
                 },
                 30000),
        "the task did not start");
    QThread::msleep(2000);
    QElapsedTimer timer;
    timer.start();
    QCOMPARE(m_grid->pvc(cone, { QStringLiteral("pause"), QStringLiteral("5") }).exitCode, 0);
    const auto processes = sandbox(cone);
    QVERIFY(processes);
    QVERIFY2(LabGrid::waitFor([&] { return processes->allStopped(); }, 2000, 50), "not every process stopped in 2 s");
    qInfo("every process of the sandbox stopped %lld ms after `pvc pause`", timer.elapsed());
    QCOMPARE(str(worker(cone), "state"), QStringLiteral("paused"));
    const double cpuPaused = processes->cpuSeconds();
    QThread::msleep(30000);
    QVERIFY(processes->allStopped());
    QCOMPARE(processes->cpuSeconds(), cpuPaused);
    QCOMPARE(m_grid->pvc(cone, { QStringLiteral("resume") }).exitCode, 0);

    const QJsonObject report = finishBatch(manager, QStringLiteral("pause"), 60000);
    QVERIFY2(report.value(QLatin1String("complete")).toBool(), QJsonDocument(report).toJson().constData());
    const QJsonObject done = report.value(QLatin1String("tasks")).toArray().first().toObject();
    QCOMPARE(done.value(QLatin1String("result")).toInt(), 0);
    QCOMPARE(done.value(QLatin1String("tries")).toInt(), 1); // resumed, not rerun
    QStringList ticks;
    for (int i = 1; i <= 20; ++i)
        ticks << QString::number(i);
    QCOMPARE(QString::fromUtf8(readFile(out)), ticks.join(u'\n') + u'\n');
    QVERIFY(waitForWorkerState(cone, QStringLiteral("connecting"), 10000)); // no longer paused
}

void TstGrid::throttleHolds()
{
    // One core, throttled to 30% while the owner is at the machine (240 idle minutes are never reached).
    const auto set = [&](const QStringList& arguments) {
        return m_grid->pvc(pub, QStringList { QStringLiteral("set") } + arguments).exitCode == 0;
    };
    QVERIFY(set({ QStringLiteral("cores"), QStringLiteral("1") }));
    QVERIFY(set({ QStringLiteral("when-in-use"), QStringLiteral("throttle"), QStringLiteral("--percent"),
        QStringLiteral("30") }));
    QVERIFY(set({ QStringLiteral("idle-minutes"), QStringLiteral("240") }));
    const auto computing = [&] { return m_grid->status(pub).value(QLatin1String("computing")).toObject(); };
    QVERIFY2(LabGrid::waitFor([&] { return str(computing(), "state") == QLatin1String("throttled"); }, 15000),
        QJsonDocument(computing()).toJson().constData());
    QVERIFY(LabGrid::waitFor([&] { return worker(pub).value(QLatin1String("cores")).toInt() == 1; }, 70000, 300));

    QProcess* manager = startBatch(QStringLiteral("throttle"),
        { task(QStringLiteral("burn"), QStringLiteral("timeout 45 sh -c 'while :; do :; done'; echo burnt > out"), {},
            { file(m_work + QStringLiteral("/burn.out"), QStringLiteral("out")) },
            QStringLiteral("pvc-host-") + pub) });
    QVERIFY(manager);
    std::unique_ptr<pvc::core::SandboxProcesses> processes;
    QVERIFY2(LabGrid::waitFor(
                 [&] {
                     processes = sandbox(pub);
                     return processes && processes->childrenOf(workerComm) > 0;
                 },
                 30000),
        "the task did not start");
    QThread::msleep(2000);
    const double before = processes->cpuSeconds();
    QElapsedTimer timer;
    timer.start();
    QThread::msleep(30000);
    const double share = (processes->cpuSeconds() - before) / (double(timer.elapsed()) / 1000.0);
    qInfo("throttled to 30%%: the sandbox used %.1f%% of one core over 30 s", share * 100);
    QVERIFY2(share >= 0.20 && share <= 0.40, qPrintable(QString::number(share)));

    // The owner leaves the machine alone again: full speed, and the task ends normally.
    QVERIFY(set({ QStringLiteral("idle-minutes"), QStringLiteral("0") }));
    const QJsonObject report = finishBatch(manager, QStringLiteral("throttle"), 60000);
    QVERIFY2(report.value(QLatin1String("complete")).toBool(), QJsonDocument(report).toJson().constData());
    QCOMPARE(readFile(m_work + QStringLiteral("/burn.out")), QByteArray("burnt\n"));
}

void TstGrid::badInputFromManager()
{
    // The owner gives 10% of the memory; a task that wants more fails, and nothing else does.
    QCOMPARE(m_grid->pvc(pub, { QStringLiteral("set"), QStringLiteral("memory"), QStringLiteral("10") }).exitCode, 0);
    pvc::core::OwnerPreferences tenPercent;
    tenPercent.memoryPercent = 10;
    const qint64 memoryMb = tenPercent.memoryMb(); // the same machine as the volunteer's namespace
    QVERIFY(memoryMb > 0);
    QVERIFY2(LabGrid::waitFor(
                 [&] { return worker(pub).value(QLatin1String("memory_mb")).toInteger() == memoryMb; }, 70000, 300),
        QJsonDocument(worker(pub)).toJson().constData());
    const qint64 sandboxPid = worker(pub).value(QLatin1String("pid")).toInteger();
    const QString feature = QStringLiteral("pvc-host-") + pub;
    const auto out = [&](const QString& name) { return file(m_work + QLatin1Char('/') + name, QStringLiteral("out")); };
    const QJsonObject report = runBatch(QStringLiteral("bad"),
        { task(QStringLiteral("hog"),
              QStringLiteral("x=$(head -c %1M /dev/zero | tr '\\0' a); echo survived > out").arg(memoryMb * 3 / 2), {},
              { out(QStringLiteral("hog.out")) }, feature),
            task(QStringLiteral("empty"), QStringLiteral(": > out"), {}, { out(QStringLiteral("empty.out")) }, feature),
            task(QStringLiteral("big"), QStringLiteral("head -c 200M /dev/zero > out"), {},
                { out(QStringLiteral("big.out")) }, feature) },
        180000);
    QVERIFY2(report.value(QLatin1String("complete")).toBool(), QJsonDocument(report).toJson().constData());
    for (const QJsonValue& value : report.value(QLatin1String("tasks")).toArray()) {
        const QJsonObject done = value.toObject();
        const bool failed
            = done.value(QLatin1String("result")).toInt() != 0 || done.value(QLatin1String("exit")).toInt() != 0;
        QCOMPARE(failed, str(done, "tag") == QLatin1String("hog")); // the hog fails, and is reported
    }
    QVERIFY(
        !QFile::exists(m_work + QStringLiteral("/hog.out")) || readFile(m_work + QStringLiteral("/hog.out")).isEmpty());
    QVERIFY(QFile::exists(m_work + QStringLiteral("/empty.out")));
    QCOMPARE(QFileInfo(m_work + QStringLiteral("/empty.out")).size(), 0);
    QCOMPARE(QFileInfo(m_work + QStringLiteral("/big.out")).size(), qint64(200) << 20);
    QCOMPARE(worker(pub).value(QLatin1String("pid")).toInteger(), sandboxPid); // the worker survived it all

    // A manager that dies while a 500 MB output comes back: the worker waits for the next one and serves it.
    QProcess* manager = startBatch(QStringLiteral("dies"),
        { task(QStringLiteral("huge"), QStringLiteral("head -c 500M /dev/zero > out"), {},
            { out(QStringLiteral("huge.out")) }, feature) });
    QVERIFY(manager);
    QVERIFY(LabGrid::waitFor([&] { return QFile::exists(m_work + QStringLiteral("/huge.out")); }, 60000, 50));
    manager->kill();
    manager->waitForFinished(5000);
    const QJsonObject after = runBatch(QStringLiteral("after"),
        { task(QStringLiteral("after"), QStringLiteral("echo fine > out"), {}, { out(QStringLiteral("after.out")) },
            feature) },
        120000);
    QVERIFY2(after.value(QLatin1String("complete")).toBool(), QJsonDocument(after).toJson().constData());
    QCOMPARE(readFile(m_work + QStringLiteral("/after.out")), QByteArray("fine\n"));
    QCOMPARE(worker(pub).value(QLatin1String("pid")).toInteger(), sandboxPid);
}

void TstGrid::diskAndProcessCapsHold()
{
    // 1 GB of disk: a task that writes 1.6 GB is stopped; a task that forks 400 processes gets no more than
    // the sandbox's cap, and the owner's user can still start processes outside.
    QCOMPARE(m_grid->pvc(pub, { QStringLiteral("set"), QStringLiteral("disk"), QStringLiteral("1") }).exitCode, 0);
    QVERIFY2(LabGrid::waitFor([&] { return worker(pub).value(QLatin1String("disk_mb")).toInt() == 1024; }, 70000, 300),
        QJsonDocument(worker(pub)).toJson().constData());
    const qint64 sandboxPid = worker(pub).value(QLatin1String("pid")).toInteger();
    const int maxProcesses = worker(pub).value(QLatin1String("max_processes")).toInt();
    QVERIFY(maxProcesses > 0);
    const QString feature = QStringLiteral("pvc-host-") + pub;
    const auto out = [&](const QString& name) { return file(m_work + QLatin1Char('/') + name, QStringLiteral("out")); };
    QProcess* manager = startBatch(QStringLiteral("caps"),
        { task(QStringLiteral("fill"), QStringLiteral("head -c 1600M /dev/zero > big; sleep 10; echo done > out"), {},
              { out(QStringLiteral("fill.out")) }, feature),
            task(QStringLiteral("forks"),
                // perl (Debian's essential perl-base) forks until refused and says how many it got.
                QStringLiteral("perl -e 'my $n = 0; while ($n < 400) { my $p = fork(); last unless defined $p; "
                               "if ($p == 0) { sleep 3; exit 0 } $n++ } print \"$n\\n\"' > out"),
                {}, { out(QStringLiteral("forks.out")) }, feature) });
    QVERIFY(manager);
    // Meanwhile the owner's own processes start as usual.
    QVERIFY(LabGrid::waitFor(
        [&] {
            return worker(pub)
                .value(QLatin1String("last_error"))
                .toString()
                .contains(QLatin1String("over the 1024 MB"));
        },
        60000));
    QCOMPARE(m_lab->exec(pub, { QStringLiteral("true") }, 5000, QStringLiteral("nobody")).exitCode, 0);
    const QJsonObject report = finishBatch(manager, QStringLiteral("caps"), 120000);
    QVERIFY2(report.value(QLatin1String("complete")).toBool(), QJsonDocument(report).toJson().constData());
    for (const QJsonValue& value : report.value(QLatin1String("tasks")).toArray()) {
        const QJsonObject done = value.toObject();
        const bool failed
            = done.value(QLatin1String("result")).toInt() != 0 || done.value(QLatin1String("exit")).toInt() != 0;
        QCOMPARE(failed, str(done, "tag") == QLatin1String("fill"));
    }
    const int seen = readFile(m_work + QStringLiteral("/forks.out")).trimmed().toInt();
    qInfo("a task forking 400 processes got %d (the sandbox's cap: %d processes)", seen, maxProcesses);
    QVERIFY2(seen > 20 && seen < maxProcesses, qPrintable(QString::number(seen)));
    QCOMPARE(worker(pub).value(QLatin1String("pid")).toInteger(), sandboxPid);
    for (const QStringList& set : { QStringList { QStringLiteral("disk"), QStringLiteral("10") },
             QStringList { QStringLiteral("memory"), QStringLiteral("50") } })
        QCOMPARE(m_grid->pvc(pub, QStringList { QStringLiteral("set") } + set).exitCode, 0);
    QThread::msleep(3000); // the forked sleeps end
}

void TstGrid::tasksShareTheCache()
{
    // The master publishes a 20 MB input; ten tasks on one volunteer name it and hash it.
    const QString input = m_grid->nobodyDir(QStringLiteral("shared-input")) + QStringLiteral("/db.bin");
    QByteArray bytes(20 * 1000 * 1000, Qt::Uninitialized);
    for (char& c : bytes)
        c = char(QRandomGenerator::global()->bounded(256));
    QVERIFY(writeFile(input, bytes));
    const RunResult published = m_grid->pvc(master, { QStringLiteral("publish"), input }, 60000);
    const QString reference = published.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts).value(1).trimmed();
    QVERIFY2(reference.startsWith(QLatin1String("pvc-data:")), qPrintable(published.out + published.err));
    QJsonArray tasks;
    for (int i = 0; i < 10; ++i)
        tasks.append(task(QStringLiteral("db-%1").arg(i),
            QStringLiteral("p=$(/pvc/pvc-sandbox-relay --fetch %1) && sha256sum < \"$p\" > out && echo \"$p\" >> out")
                .arg(reference),
            {}, { file(m_work + QStringLiteral("/db-%1.out").arg(i), QStringLiteral("out")) },
            QStringLiteral("pvc-host-") + pub));
    const QJsonObject report = runBatch(QStringLiteral("shared"), tasks, 180000);
    QVERIFY2(report.value(QLatin1String("complete")).toBool(), QJsonDocument(report).toJson().constData());
    const QByteArray expected = sha256Of(bytes);
    for (int i = 0; i < 10; ++i) {
        const QByteArray out = readFile(m_work + QStringLiteral("/db-%1.out").arg(i));
        QVERIFY2(out.startsWith(expected), out.constData());
        QVERIFY2(out.contains("/pvc/data/"), out.constData()); // read in place, from the shared cache
    }
    // One download for ten tasks.
    const QString hash = reference.mid(9, 40);
    qint64 downloaded = -1;
    for (const QJsonValue& value :
        m_grid->status(pub).value(QLatin1String("data")).toObject().value(QLatin1String("transfers")).toArray())
        if (value.toObject().value(QLatin1String("info_hash")).toString() == hash)
            downloaded = value.toObject().value(QLatin1String("downloaded_bytes")).toInteger();
    qInfo("ten tasks, one input of %lld MB: the volunteer downloaded %lld MB", qint64(bytes.size()) / 1000000,
        downloaded / 1000000);
    QVERIFY(downloaded >= bytes.size() && downloaded < bytes.size() * 3 / 2);
}

void TstGrid::lostVolunteerLosesNothing()
{
    QJsonArray tasks;
    for (int i = 0; i < 24; ++i) {
        const QString tag = QStringLiteral("lost-%1").arg(i);
        tasks.append(task(tag, QStringLiteral("sleep 1; echo %1 > out").arg(tag), {},
            { file(m_work + QLatin1Char('/') + tag, QStringLiteral("out")) }));
    }
    QProcess* manager = startBatch(QStringLiteral("lost"), tasks);
    QVERIFY(manager);
    std::unique_ptr<pvc::core::SandboxProcesses> processes;
    QVERIFY2(LabGrid::waitFor(
                 [&] {
                     processes = sandbox(sym);
                     return processes && processes->childrenOf(workerComm) > 0;
                 },
                 30000),
        "no task started on the symmetric-NAT volunteer");
    QList<qint64> pids;
    for (const ProcessStat& process : processes->members())
        pids << process.pid;
    m_grid->killDaemon(sym);
    // The worker and its tasks go with pvcd: nothing is left behind.
    for (const qint64 pid : std::as_const(pids))
        QVERIFY2(LabGrid::waitFor([&] { return processGone(pid); }, 5000),
            qPrintable(QStringLiteral("process %1 of the sandbox outlived pvcd").arg(pid)));
    const QJsonObject report = finishBatch(manager, QStringLiteral("lost"), 180000);
    QVERIFY2(report.value(QLatin1String("complete")).toBool(), QJsonDocument(report).toJson().constData());
    int retried = 0;
    for (const QJsonValue& value : report.value(QLatin1String("tasks")).toArray()) {
        const QJsonObject done = value.toObject();
        QCOMPARE(done.value(QLatin1String("result")).toInt(), 0);
        QCOMPARE(readFile(m_work + QLatin1Char('/') + str(done, "tag")), (str(done, "tag") + u'\n').toUtf8());
        retried += done.value(QLatin1String("tries")).toInt() > 1 ? 1 : 0;
    }
    qInfo("24 tasks complete after the loss, %d of them run again elsewhere", retried);
    QVERIFY(retried > 0);
}
