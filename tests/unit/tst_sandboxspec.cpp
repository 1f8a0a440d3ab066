// The worker's sandbox as a bwrap command line (core/grid/sandboxspec.h, docs/grid.md "The sandbox"):
// which namespaces, what is bound and how, and the worker's own options.
#include "grid/sandboxspec.h"

#include <QTest>

using pvc::core::SandboxSpec;

namespace {
SandboxSpec spec()
{
    SandboxSpec s;
    s.bwrap = QStringLiteral("/usr/bin/bwrap");
    s.relay = QStringLiteral("/opt/pvc/bin/pvc-sandbox-relay");
    s.worker = QStringLiteral("/usr/bin/work_queue_worker");
    s.workDirectory = QStringLiteral("/home/owner/.local/share/pvc/grid/work");
    s.socketPath = QStringLiteral("/home/owner/.local/share/pvc/grid/manager.sock");
    s.hostsPath = QStringLiteral("/home/owner/.local/share/pvc/grid/hosts");
    s.hostName = QStringLiteral("alice");
    s.features = QStringList { QStringLiteral("pvc-host-alice"), QStringLiteral("pvc-group-volunteer") };
    s.cores = 3;
    return s;
}

// The index of the option followed by exactly these values, or -1.
qsizetype find(const QStringList& args, const QStringList& sequence)
{
    for (qsizetype i = 0; i + sequence.size() <= args.size(); ++i)
        if (args.mid(i, sequence.size()) == sequence)
            return i;
    return -1;
}
} // namespace

class TstSandboxSpec : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void namespacesAndLifetime()
    {
        const QStringList args = spec().arguments();
        QVERIFY(args.contains(QStringLiteral("--unshare-all"))); // user, pid, ipc, uts, cgroup, net
        QVERIFY(!args.contains(QStringLiteral("--share-net"))); // only lo inside
        QVERIFY(args.contains(QStringLiteral("--disable-userns"))); // and no namespace of a task's own
        QVERIFY(args.indexOf(QStringLiteral("--unshare-user")) < args.indexOf(QStringLiteral("--disable-userns")));
        QVERIFY(args.contains(QStringLiteral("--die-with-parent")));
        QVERIFY(args.contains(QStringLiteral("--new-session")));
        QVERIFY(find(args, { QStringLiteral("--hostname"), QStringLiteral("alice") }) >= 0);
    }

    void onlyTheWorkDirectoryIsWritable()
    {
        const QStringList args = spec().arguments();
        const QString work = spec().workDirectory;
        QVERIFY(find(args, { QStringLiteral("--bind"), work, QStringLiteral("/pvc/work") }) >= 0);
        // The other binds are read-only, except the manager socket, which is a socket.
        QStringList writable;
        for (qsizetype i = 0; i + 1 < args.size(); ++i)
            if (args.at(i) == QLatin1String("--bind"))
                writable << args.at(i + 1);
        QCOMPARE(writable, QStringList({ work, spec().socketPath }));
        for (const char* system : { "/usr", "/etc" })
            QVERIFY(find(args, { QStringLiteral("--ro-bind"), QLatin1String(system), QLatin1String(system) }) >= 0);
        QVERIFY(find(args, { QStringLiteral("--ro-bind"), spec().hostsPath, QStringLiteral("/etc/hosts") }) >= 0);
        QVERIFY(find(args, { QStringLiteral("--tmpfs"), QStringLiteral("/tmp") }) >= 0);
        // Nothing of the owner's home is bound, only pvc's own files under it.
        for (const QString& arg : args)
            if (arg.startsWith(QLatin1String("/home/owner")))
                QVERIFY2(arg.startsWith(QLatin1String("/home/owner/.local/share/pvc/grid/")), qPrintable(arg));
    }

    void dataIsReadOnly()
    {
        SandboxSpec s = spec();
        s.dataDirectory = QStringLiteral("/home/owner/.local/share/pvc/data");
        s.dataSocketPath = QStringLiteral("/home/owner/.local/share/pvc/grid/data.sock");
        const QStringList args = s.arguments();
        QVERIFY(find(args, { QStringLiteral("--ro-bind"), s.dataDirectory, QStringLiteral("/pvc/data") }) >= 0);
        QVERIFY(find(args, { QStringLiteral("--bind"), s.dataDirectory, QStringLiteral("/pvc/data") }) < 0);
        QVERIFY(find(args, { QStringLiteral("--bind"), s.dataSocketPath, QStringLiteral("/pvc/data.sock") }) >= 0);
        // Without data, neither is there.
        QVERIFY(!spec().arguments().contains(QStringLiteral("/pvc/data")));
    }

    void environmentIsReset()
    {
        const QStringList args = spec().arguments();
        QVERIFY(args.contains(QStringLiteral("--clearenv")));
        QVERIFY(find(args, { QStringLiteral("--setenv"), QStringLiteral("HOME"), QStringLiteral("/home/pvc") }) >= 0);
        QVERIFY(find(args, { QStringLiteral("--setenv"), QStringLiteral("TMPDIR"), QStringLiteral("/tmp") }) >= 0);
        QVERIFY(find(args, { QStringLiteral("--chdir"), QStringLiteral("/pvc/work") }) >= 0);
    }

    void relayRunsTheWorker()
    {
        SandboxSpec s = spec();
        s.memoryLimitBytes = 1 << 30;
        s.memoryMb = 900;
        s.diskMb = 5000;
        const QStringList args = s.arguments();
        const qsizetype relay = args.indexOf(QStringLiteral("/pvc/pvc-sandbox-relay"),
            find(args, { QStringLiteral("--ro-bind"), s.relay, QStringLiteral("/pvc/pvc-sandbox-relay") }) + 3);
        QVERIFY(relay > 0);
        QCOMPARE(args.mid(relay + 1, 4),
            QStringList({ QStringLiteral("--socket"), QStringLiteral("/pvc/manager.sock"), QStringLiteral("--port"),
                QStringLiteral("9123") }));
        QVERIFY(find(args, { QStringLiteral("--memory-limit"), QString::number(1 << 30) }) > relay);
        const qsizetype dashes = args.indexOf(QStringLiteral("--"), relay);
        QVERIFY(dashes > relay);
        QCOMPARE(args.at(dashes + 1), s.worker);
        QCOMPARE(args.mid(dashes + 2), s.workerArguments());
    }

    void workerOptions()
    {
        SandboxSpec s = spec();
        s.memoryMb = 900;
        const QStringList args = s.workerArguments();
        QCOMPARE(args.mid(0, 2), QStringList({ QStringLiteral("127.0.0.1"), QStringLiteral("9123") }));
        QVERIFY(args.contains(QStringLiteral("--cores=3")));
        QVERIFY(args.contains(QStringLiteral("--memory=900")));
        QVERIFY(!args.join(u' ').contains(QLatin1String("--disk"))); // 0: not given
        QVERIFY(find(args, { QStringLiteral("--feature"), QStringLiteral("pvc-host-alice") }) >= 0);
        QVERIFY(find(args, { QStringLiteral("--feature"), QStringLiteral("pvc-group-volunteer") }) >= 0);
        QVERIFY(args.contains(QStringLiteral("--parent-death")));
        QVERIFY(args.contains(QStringLiteral("--workdir=/pvc/work")));
    }

    void hostsFileNamesTheMember()
    {
        QCOMPARE(spec().hostsFile().split('\n').first(), QByteArray("127.0.0.1\tlocalhost alice"));
    }
};

QTEST_GUILESS_MAIN(TstSandboxSpec)
#include "tst_sandboxspec.moc"
