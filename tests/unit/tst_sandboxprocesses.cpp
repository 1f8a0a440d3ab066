// A sandbox's processes as pvcd finds them in /proc (core/grid/sandboxprocesses.h): a real process tree,
// stopped and continued as a whole, its CPU time, its tasks; and /proc/PID/stat lines of every shape.
#include "grid/sandboxprocesses.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QTest>
#include <QThread>
#include <csignal>

using pvc::core::ProcessStat;
using pvc::core::SandboxProcesses;

namespace {
bool waitFor(const std::function<bool()>& condition, int timeoutMs)
{
    QElapsedTimer timer;
    timer.start();
    while (!condition()) {
        if (timer.elapsed() > timeoutMs)
            return false;
        QThread::msleep(20);
    }
    return true;
}
} // namespace

class TstSandboxProcesses : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void parseStat()
    {
        const ProcessStat stat = ProcessStat::parse(
            "4242 (work_queue_work) S 4241 4242 4242 0 -1 4194560 1 0 0 0 7 3 20 10 20 0 1 0 5 0 0\n");
        QCOMPARE(stat.pid, 4242);
        QCOMPARE(stat.parent, 4241);
        QCOMPARE(stat.name, QStringLiteral("work_queue_work"));
        QCOMPARE(stat.state, 'S');
        QCOMPARE(stat.cpuTicks, quint64(7 + 3 + 20 + 10));
        // A name with spaces and parentheses: split at the last ')'.
        const ProcessStat odd = ProcessStat::parse("77 (a) b (c) T 1 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 5 0 0");
        QCOMPARE(odd.name, QStringLiteral("a) b (c"));
        QCOMPARE(odd.state, 'T');
        QCOMPARE(odd.parent, 1);
        for (const char* bad : { "", "garbage", "12 (x", "x (y) S 1", "-3 (x) S 1 1 1 0 -1 0 0 0 0 0 1 1 0 0 20",
                 "5 (x) SS 1 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0" })
            QCOMPARE(ProcessStat::parse(bad).pid, 0);
    }

    void treeStopsAndContinues()
    {
        // A "worker" with two "tasks", one of which forks again.
        QProcess root;
        root.start(
            QStringLiteral("sh"), { QStringLiteral("-c"), QStringLiteral("sleep 30 & (sleep 30 & wait) & wait") });
        QVERIFY(root.waitForStarted());
        const SandboxProcesses sandbox(root.processId());
        QVERIFY(waitFor([&] { return sandbox.members().size() == 4; }, 5000)); // sh, sleep, (sh, sleep)
        QCOMPARE(sandbox.members().first().pid, root.processId());
        QCOMPARE(sandbox.childrenOf(QStringLiteral("sh")), 3); // children of either sh
        QVERIFY(!sandbox.allStopped());

        QCOMPARE(sandbox.signalAll(SIGSTOP), 4);
        QVERIFY(waitFor([&] { return sandbox.allStopped(); }, 2000));
        QCOMPARE(sandbox.signalAll(SIGCONT), 4);
        QVERIFY(waitFor([&] { return !sandbox.allStopped(); }, 2000));
        QCOMPARE(sandbox.signalAll(SIGKILL), 4);
        QVERIFY(root.waitForFinished(5000));
        QVERIFY(waitFor([&] { return sandbox.members().isEmpty(); }, 5000));
    }

    void cpuSecondsCountReapedChildren()
    {
        // A child burns a fixed amount of CPU and is reaped; the shell's `times` says what its children used,
        // and the sandbox counts the same, though the child is gone.
        QProcess root;
        root.start(QStringLiteral("sh"),
            { QStringLiteral("-c"),
                QStringLiteral("sh -c 'i=0; while [ $i -lt 400000 ]; do i=$((i + 1)); done'; times; sleep 30") });
        QVERIFY(root.waitForStarted());
        QVERIFY(waitFor([&] { return root.canReadLine() || (root.waitForReadyRead(100), false); }, 60000));
        QVERIFY(waitFor([&] { return root.bytesAvailable() > 0 && root.peek(4096).count('\n') >= 2; }, 5000));
        // "0m0.001s 0m0.002s" (the shell), then "0m0.412s 0m0.003s" (its children).
        const QList<QByteArray> lines = root.readAll().split('\n');
        const auto seconds = [](const QByteArray& field) {
            const qsizetype m = field.indexOf('m');
            return field.left(m).toDouble() * 60 + field.mid(m + 1, field.size() - m - 2).toDouble();
        };
        const QList<QByteArray> children = lines.value(1).split(' ');
        const double expected = seconds(children.value(0)) + seconds(children.value(1));
        QVERIFY2(expected > 0.05, lines.value(1).constData());
        const SandboxProcesses sandbox(root.processId());
        const double counted = sandbox.cpuSeconds();
        QVERIFY2(counted >= expected - 0.02 && counted <= expected + 0.05,
            qPrintable(QStringLiteral("counted %1 s, the shell says %2 s").arg(counted).arg(expected)));
        sandbox.signalAll(SIGKILL);
        QVERIFY(root.waitForFinished(5000));
    }

    void goneRootHasNoMembers()
    {
        QProcess root;
        root.start(QStringLiteral("true"), {});
        QVERIFY(root.waitForFinished(5000));
        const SandboxProcesses sandbox(root.processId());
        QVERIFY(sandbox.members().isEmpty());
        QCOMPARE(sandbox.signalAll(SIGSTOP), 0);
        QVERIFY(sandbox.allStopped());
    }
};

QTEST_GUILESS_MAIN(TstSandboxProcesses)
#include "tst_sandboxprocesses.moc"
