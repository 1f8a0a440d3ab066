// pvc-helper as a user meets it (docs/helper.md): the helper runs as root in a network namespace of
// its own, and its client, pvc-helperprobe, runs there as `nobody`. Needs root; skipped otherwise.
#include "helperlab.h"

#include <QDir>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <csignal>
#include <sys/stat.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

using namespace pvc::test::helperlab;

class TstHelper : public QObject {
    Q_OBJECT
public:
    ~TstHelper() override { cleanup(); }

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase() { cleanup(); }
    void nobodyGetsAWorkingTunAndDnsSocket();
    void otherUsersAreDenied();
    void badRequestsAreRefused();
    void limitsAndCloseHold();
    void closeDeletesTheDeviceAnyway();
    void overlapsAndSecondDnsAreRefused();
    void connectionsPerUserAreCapped();
    void sigtermRemovesTheSocket();

private:
    RunResult ip(const QStringList& arguments) { return run(QStringLiteral("ip"), arguments); }
    RunResult inNamespace(const QStringList& command)
    {
        return run(
            QStringLiteral("ip"), QStringList { QStringLiteral("netns"), QStringLiteral("exec"), m_ns } + command);
    }
    bool linkExists(const QString& name)
    {
        return ip({ QStringLiteral("-n"), m_ns, QStringLiteral("link"), QStringLiteral("show"), name }).exitCode == 0;
    }
    QStringList links()
    {
        const QString out = ip({ QStringLiteral("-n"), m_ns, QStringLiteral("-o"), QStringLiteral("link") }).output;
        QStringList names;
        for (const QString& line : out.split(QLatin1Char('\n'), Qt::SkipEmptyParts))
            names << line.section(QStringLiteral(": "), 1, 1).section(QLatin1Char('@'), 0, 0);
        return names;
    }
    // Starts the probe in the namespace; `user` is setpriv's arguments, empty to stay root.
    QProcess* startProbe(const QStringList& user, const QStringList& steps);
    QJsonObject nextLine(QProcess* probe);
    QList<QJsonObject> runProbe(const QStringList& user, const QStringList& steps);
    void cleanup();

    QString m_ns;
    bool m_nsCreated = false;
    QTemporaryDir m_dir;
    QString m_socket;
    QProcess* m_helper = nullptr;
    QList<QProcess*> m_probes;
};

void TstHelper::initTestCase()
{
    if (geteuid() != 0)
        QSKIP("needs root: creates a network namespace and runs pvc-helper");
    QVERIFY2(QFileInfo(binary(QStringLiteral("pvc-helper"))).isExecutable(), "pvc-helper is not built");
    QVERIFY2(run(QStringLiteral("setpriv"), { QStringLiteral("--version") }).exitCode == 0, "setpriv (util-linux)");
    // Namespaces left by runs that were killed outright (their pid is gone).
    for (const QString& line :
        ip({ QStringLiteral("netns"), QStringLiteral("list") }).output.split(QLatin1Char('\n'))) {
        const QString name = line.section(QLatin1Char(' '), 0, 0);
        if (name.startsWith("pvct-helper-"_L1) && kill(name.mid(12).toInt(), 0) != 0)
            ip({ QStringLiteral("netns"), QStringLiteral("delete"), name });
    }

    m_ns = QStringLiteral("pvct-helper-%1").arg(QCoreApplication::applicationPid());
    QString error;
    QVERIFY2(addNamespace(m_ns, &error), qPrintable(error));
    m_nsCreated = true;

    // nobody must reach the socket's directory; the socket itself is the helper's to guard.
    QVERIFY(m_dir.isValid());
    QVERIFY(openToNobody(m_dir.path()));
    m_socket = m_dir.filePath(QStringLiteral("helper.sock"));
    // Left behind by a killed helper: a persistent pvc device goes at start; another TUN is not the helper's.
    for (const char* name : { "pvc9", "tun5" })
        QCOMPARE(
            ip({ "-n"_L1, m_ns, "tuntap"_L1, "add"_L1, "dev"_L1, QLatin1String(name), "mode"_L1, "tun"_L1 }).exitCode,
            0);
    m_helper = new QProcess;
    m_helper->setProcessChannelMode(QProcess::MergedChannels);
    m_helper->start(QStringLiteral("ip"),
        { QStringLiteral("netns"), QStringLiteral("exec"), m_ns, binary(QStringLiteral("pvc-helper")),
            QStringLiteral("--socket"), m_socket, QStringLiteral("--allow-user"), QStringLiteral("nobody") });
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(m_socket) || m_helper->state() == QProcess::NotRunning, 5000);
    QVERIFY2(QFileInfo::exists(m_socket), m_helper->readAll().constData());
    const QFileInfo socket(m_socket);
    QCOMPARE(socket.owner(), QStringLiteral("nobody"));
    struct stat status { };
    QCOMPARE(stat(QFile::encodeName(m_socket).constData(), &status), 0);
    QCOMPARE(status.st_mode & 0777, 0600u);
    // Serving, it keeps only CAP_NET_ADMIN, CAP_NET_RAW and CAP_NET_BIND_SERVICE, bounding set included,
    // with no_new_privs (ip netns exec execs the helper: same pid).
    // The socket appears a moment before the drop: wait for the effective set, set last.
    const auto readStatus = [&] {
        QFile procStatus(QStringLiteral("/proc/%1/status").arg(m_helper->processId()));
        return procStatus.open(QIODevice::ReadOnly) ? QString::fromLatin1(procStatus.readAll()) : QString();
    };
    const QString kept = QStringLiteral("0000000000003400"); // bits 10, 12, 13
    QTRY_VERIFY_WITH_TIMEOUT(readStatus().contains("CapEff:\t"_L1 + kept), 2000);
    const QString fields = readStatus();
    for (const char* set : { "CapEff", "CapPrm", "CapBnd" })
        QVERIFY2(fields.contains(QStringLiteral("%1:\t%2").arg(QLatin1String(set), kept)), qPrintable(fields));
    QVERIFY2(fields.contains("CapInh:\t0000000000000000"_L1), qPrintable(fields));
    QVERIFY2(fields.contains("NoNewPrivs:\t1"_L1), qPrintable(fields));
    QVERIFY(!linkExists(QStringLiteral("pvc9")));
    QVERIFY(linkExists(QStringLiteral("tun5")));
    QCOMPARE(ip({ "-n"_L1, m_ns, "link"_L1, "delete"_L1, "tun5"_L1 }).exitCode, 0);
}

void TstHelper::cleanup()
{
    for (QProcess* process : std::as_const(m_probes) + QList<QProcess*> { m_helper }) {
        if (process && process->state() != QProcess::NotRunning) {
            kill(pid_t(process->processId()), SIGKILL);
            process->waitForFinished(5000);
        }
        delete process;
    }
    m_probes.clear();
    m_helper = nullptr;
    if (m_nsCreated)
        ip({ QStringLiteral("netns"), QStringLiteral("delete"), m_ns });
    m_nsCreated = false;
}

QProcess* TstHelper::startProbe(const QStringList& user, const QStringList& steps)
{
    QStringList arguments { QStringLiteral("netns"), QStringLiteral("exec"), m_ns };
    if (!user.isEmpty())
        arguments << QStringLiteral("setpriv") << user;
    arguments << binary(QStringLiteral("pvc-helperprobe")) << m_socket << steps;
    auto* probe = new QProcess;
    m_probes << probe;
    probe->start(QStringLiteral("ip"), arguments);
    return probe;
}

QJsonObject TstHelper::nextLine(QProcess* probe)
{
    QDeadlineTimer deadline(15000);
    while (!probe->canReadLine() && !deadline.hasExpired() && probe->state() != QProcess::NotRunning)
        probe->waitForReadyRead(100);
    const QJsonObject line = QJsonDocument::fromJson(probe->readLine()).object();
    if (line.isEmpty() && deadline.hasExpired())
        qWarning().noquote() << "probe said nothing more; stderr:" << probe->readAllStandardError();
    return line;
}

QList<QJsonObject> TstHelper::runProbe(const QStringList& user, const QStringList& steps)
{
    QProcess* probe = startProbe(user, steps);
    probe->closeWriteChannel();
    QList<QJsonObject> lines;
    for (QJsonObject line = nextLine(probe); !line.isEmpty(); line = nextLine(probe))
        lines << line;
    probe->waitForFinished(5000);
    return lines;
}

void TstHelper::nobodyGetsAWorkingTunAndDnsSocket()
{
    QProcess* probe = startProbe(asNobody,
        { QStringLiteral("open-tun:pvc0:240.9.0.2:16:1380"), QStringLiteral("open-dns:240.9.0.2"),
            QStringLiteral("wait"), QStringLiteral("read-packet:pvc0"), QStringLiteral("persist:pvc0"),
            QStringLiteral("hold") });
    QCOMPARE(nextLine(probe).value("step"_L1).toString(), QStringLiteral("connect"));
    const QJsonObject tun = nextLine(probe);
    QVERIFY2(tun.value("ok"_L1).toBool(), QJsonDocument(tun).toJson().constData());
    const QJsonObject dns = nextLine(probe);
    QVERIFY2(dns.value("ok"_L1).toBool(), QJsonDocument(dns).toJson().constData());
    QCOMPARE(nextLine(probe).value("step"_L1).toString(), QStringLiteral("wait"));

    // What ip(8) and ss(8) show in the namespace.
    const QString address = ip({ "-n"_L1, m_ns, "-o"_L1, "addr"_L1, "show"_L1, "dev"_L1, "pvc0"_L1 }).output;
    QVERIFY2(address.contains("inet 240.9.0.2/16"_L1), qPrintable(address));
    const QString link = ip({ "-n"_L1, m_ns, "-o"_L1, "link"_L1, "show"_L1, "dev"_L1, "pvc0"_L1 }).output;
    QVERIFY2(link.contains(" mtu 1380 "_L1), qPrintable(link));
    QVERIFY2(link.contains(QRegularExpression(QStringLiteral("<[A-Z_,]*\\bUP\\b"))), qPrintable(link));
    const QString routes = ip({ "-n"_L1, m_ns, "route"_L1, "show"_L1, "dev"_L1, "pvc0"_L1 }).output;
    QVERIFY2(routes.contains("240.9.0.0/16"_L1), qPrintable(routes));
    const QString sockets = inNamespace({ "ss"_L1, "-Huln"_L1 }).output;
    QVERIFY2(sockets.contains("240.9.0.2:53 "_L1), qPrintable(sockets));

    // The fd works: a ping routed into pvc0 comes out of the probe's descriptor.
    probe->write("\n");
    inNamespace({ "ping"_L1, "-c1"_L1, "-W1"_L1, "240.9.0.3"_L1 }); // no one answers; the request is what counts
    const QJsonObject packet = nextLine(probe);
    QVERIFY2(packet.value("ok"_L1).toBool(), QJsonDocument(packet).toJson().constData());
    QCOMPARE(packet.value("dst"_L1).toString(), QStringLiteral("240.9.0.3"));
    QCOMPARE(packet.value("protocol"_L1).toInt(), 1); // ICMP
    // A hostile caller makes its device persistent and its own; that must not let it outlive the connection.
    QVERIFY(nextLine(probe).value("ok"_L1).toBool());
    QVERIFY(ip({ "-n"_L1, m_ns, "-d"_L1, "link"_L1, "show"_L1, "pvc0"_L1 }).output.contains("persist on"_L1));
    QCOMPARE(nextLine(probe).value("step"_L1).toString(), QStringLiteral("hold"));

    // pvcd killed outright: the helper notices and the device goes; nothing else does.
    kill(pid_t(probe->processId()), SIGKILL);
    QTRY_VERIFY_WITH_TIMEOUT(!linkExists(QStringLiteral("pvc0")), 2000);
    QCOMPARE(links(), QStringList { QStringLiteral("lo") });
    QCOMPARE(m_helper->state(), QProcess::Running);
}

void TstHelper::otherUsersAreDenied()
{
    // root is not the allowed user either: only SO_PEERCRED stops it, since it passes any file mode.
    QList<QJsonObject> lines = runProbe({}, { QStringLiteral("open-tun:pvc0:240.9.0.2:16:1380") });
    QCOMPARE(lines.size(), 1);
    QCOMPARE(lines[0].value("code"_L1).toString(), QStringLiteral("helper.denied"));

    // daemon with CAP_DAC_OVERRIDE also gets past the file mode, and is refused by the helper.
    lines = runProbe({ "--reuid=daemon"_L1, "--regid=daemon"_L1, "--clear-groups"_L1, "--inh-caps=+dac_override"_L1,
                         "--ambient-caps=+dac_override"_L1 },
        { QStringLiteral("hello") });
    QCOMPARE(lines.size(), 1);
    QCOMPARE(lines[0].value("code"_L1).toString(), QStringLiteral("helper.denied"));

    // Plain daemon cannot even open the socket (mode 0600, owner nobody).
    lines = runProbe({ "--reuid=daemon"_L1, "--regid=daemon"_L1, "--clear-groups"_L1 }, { QStringLiteral("hello") });
    QCOMPARE(lines.size(), 1);
    QCOMPARE(lines[0].value("code"_L1).toString(), QStringLiteral("helper.unreachable"));
    QVERIFY2(lines[0].value("detail"_L1).toString().contains("Permission denied"_L1),
        QJsonDocument(lines[0]).toJson().constData());
    QCOMPARE(links(), QStringList { QStringLiteral("lo") });
}

void TstHelper::badRequestsAreRefused()
{
    const QList<QJsonObject> lines = runProbe(asNobody,
        { QStringLiteral("open-tun:eth0:240.9.0.2:16:1380"), QStringLiteral("open-tun:pvcx:240.9.0.2:16:1380"),
            QStringLiteral("open-tun:pvc1:198.18.0.5:16:1380"), QStringLiteral("open-tun:pvc1:255.255.255.255:16:1380"),
            QStringLiteral("open-tun:pvc1:240.9.0.2:2:1380"), QStringLiteral("open-tun:pvc1:240.9.0.2:16:9001"),
            QStringLiteral("open-dns:240.9.0.2"), QStringLiteral("raw:oversized"), QStringLiteral("raw:garbage"),
            QStringLiteral("raw:unknown"), QStringLiteral("hello") });
    QStringList codes;
    for (const QJsonObject& line : lines)
        codes << line.value("code"_L1).toString();
    const QStringList expected { {}, QStringLiteral("helper.bad_name"), QStringLiteral("helper.bad_name"),
        QStringLiteral("helper.bad_address"), QStringLiteral("helper.bad_address"), QStringLiteral("helper.bad_prefix"),
        QStringLiteral("helper.bad_mtu"), QStringLiteral("helper.not_yours"), QStringLiteral("helper.too_large"),
        QStringLiteral("helper.bad_frame"), QStringLiteral("helper.unknown_command"), {} };
    QCOMPARE(codes, expected);
    // A bad frame ends that connection; a bad command only gets its error; the rest went on regardless.
    QCOMPARE(lines[8].value("closed"_L1).toBool(), true);
    QCOMPARE(lines[9].value("closed"_L1).toBool(), true);
    QCOMPARE(lines[10].value("closed"_L1).toBool(), false);
    QVERIFY(lines.last().value("ok"_L1).toBool());

    // And the next client is served as usual, while nothing was created.
    const QList<QJsonObject> next = runProbe(asNobody, { QStringLiteral("hello") });
    QCOMPARE(next.size(), 2);
    QVERIFY(next[1].value("ok"_L1).toBool());
    QCOMPARE(links(), QStringList { QStringLiteral("lo") });
}

void TstHelper::limitsAndCloseHold()
{
    QStringList steps;
    for (int i = 1; i <= 5; ++i)
        steps << QStringLiteral("open-tun:pvc%1:240.9.%1.2:24:1280").arg(i);
    steps << QStringLiteral("close:pvc1") << QStringLiteral("hold");
    QProcess* probe = startProbe(asNobody, steps);
    nextLine(probe);
    for (int i = 1; i <= 4; ++i)
        QVERIFY(nextLine(probe).value("ok"_L1).toBool());
    QCOMPARE(nextLine(probe).value("code"_L1).toString(), QStringLiteral("helper.tun_failed"));
    QVERIFY(nextLine(probe).value("ok"_L1).toBool()); // close:pvc1
    QCOMPARE(nextLine(probe).value("step"_L1).toString(), QStringLiteral("hold"));
    QTRY_COMPARE_WITH_TIMEOUT(links().size(), 4, 2000); // lo, pvc2..pvc4
    QVERIFY(!linkExists(QStringLiteral("pvc1")) && !linkExists(QStringLiteral("pvc5")));
    probe->closeWriteChannel(); // the probe exits; its devices go
    QTRY_COMPARE_WITH_TIMEOUT(links(), QStringList { QStringLiteral("lo") }, 2000);
}

// Issue 15: a caller that keeps its copy of the fd and makes the device persistent and its own, then asks
// the helper to close it, does not keep the device: the helper deletes it by the index it recorded.
void TstHelper::closeDeletesTheDeviceAnyway()
{
    QProcess* probe = startProbe(asNobody,
        { QStringLiteral("open-tun:pvc7:240.9.7.2:24:1280"), QStringLiteral("persist:pvc7"),
            QStringLiteral("helper-close:pvc7"), QStringLiteral("hold") });
    nextLine(probe);
    for (int i = 0; i < 3; ++i)
        QVERIFY(nextLine(probe).value("ok"_L1).toBool());
    QCOMPARE(nextLine(probe).value("step"_L1).toString(), QStringLiteral("hold"));
    QVERIFY2(!linkExists(QStringLiteral("pvc7")), qPrintable(links().join(u' ')));
    probe->closeWriteChannel();
    QVERIFY(probe->waitForFinished(5000));
    QCOMPARE(links(), QStringList { QStringLiteral("lo") });
}

// Issue 15: an address or prefix that overlaps a device already there (another caller's), a second DNS socket
// on the same address, and a name with a leading zero are refused.
void TstHelper::overlapsAndSecondDnsAreRefused()
{
    QProcess* first = startProbe(asNobody,
        { QStringLiteral("open-tun:pvc1:240.9.0.2:16:1280"), QStringLiteral("open-dns:240.9.0.2"),
            QStringLiteral("hold") });
    nextLine(first);
    QVERIFY(nextLine(first).value("ok"_L1).toBool());
    QVERIFY(nextLine(first).value("ok"_L1).toBool());
    QCOMPARE(nextLine(first).value("step"_L1).toString(), QStringLiteral("hold"));
    const QList<QJsonObject> lines = runProbe(asNobody,
        { QStringLiteral("open-tun:pvc2:240.9.0.2:16:1280"), QStringLiteral("open-tun:pvc2:240.9.5.2:24:1280"),
            QStringLiteral("open-tun:pvc2:240.0.0.2:8:1280"), QStringLiteral("open-tun:pvc01:240.10.0.2:16:1280"),
            QStringLiteral("open-tun:pvc2:240.10.0.2:16:1280"), QStringLiteral("open-dns:240.10.0.2"),
            QStringLiteral("open-dns:240.10.0.2") });
    QStringList codes;
    for (const QJsonObject& line : lines)
        codes << line.value("code"_L1).toString();
    const QStringList expected { {}, QStringLiteral("helper.address_in_use"), QStringLiteral("helper.address_in_use"),
        QStringLiteral("helper.address_in_use"), QStringLiteral("helper.bad_name"), {}, {},
        QStringLiteral("helper.dns_failed") };
    QCOMPARE(codes, expected);
    QVERIFY2(lines.last().value("detail"_L1).toString().contains("in use"_L1), QJsonDocument(lines.last()).toJson());
    first->closeWriteChannel();
    QVERIFY(first->waitForFinished(5000));
    QTRY_COMPARE_WITH_TIMEOUT(links(), QStringList { QStringLiteral("lo") }, 2000);
}

// Issue 15: one user holds at most 4 connections; a fifth is refused. Connections that hold nothing and say
// nothing for 30 s are closed, so the slots come free without the holders' help.
void TstHelper::connectionsPerUserAreCapped()
{
    QList<QProcess*> holders;
    for (int i = 0; i < 4; ++i) {
        holders << startProbe(asNobody, { QStringLiteral("hello"), QStringLiteral("hold") });
        nextLine(holders.last());
        QVERIFY(nextLine(holders.last()).value("ok"_L1).toBool());
    }
    const QList<QJsonObject> fifth = runProbe(asNobody, { QStringLiteral("hello") });
    QCOMPARE(fifth.value(0).value("code"_L1).toString(), QStringLiteral("helper.busy"));
    QElapsedTimer idle;
    idle.start();
    QTRY_VERIFY_WITH_TIMEOUT(runProbe(asNobody, { QStringLiteral("hello") }).value(1).value("ok"_L1).toBool(), 50000);
    qInfo("served again after %lld ms of the holders' silence", idle.elapsed());
    QVERIFY(idle.elapsed() >= 25000);
    for (QProcess* holder : std::as_const(holders)) {
        holder->closeWriteChannel();
        QVERIFY(holder->waitForFinished(5000));
    }
}

void TstHelper::sigtermRemovesTheSocket()
{
    kill(pid_t(m_helper->processId()), SIGTERM);
    QVERIFY(m_helper->waitForFinished(5000));
    QCOMPARE(m_helper->exitStatus(), QProcess::NormalExit);
    QCOMPARE(m_helper->exitCode(), 0);
    QVERIFY(!QFileInfo::exists(m_socket));
    const QString log = QString::fromLocal8Bit(m_helper->readAll());
    QVERIFY2(log.contains("pvc.helper"_L1) && log.contains("open-tun pvc0"_L1), qPrintable(log));
    QCOMPARE(links(), QStringList { QStringLiteral("lo") });
}

QTEST_GUILESS_MAIN(TstHelper)
#include "tst_helper.moc"
