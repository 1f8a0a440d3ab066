// How pvc-helper starts and whom it trusts, and is trusted by (docs/helper.md, "Running it"): the socket's
// directory, socket activation, and pvcd's check that its helper is root. The helper runs as root in a
// network namespace of its own; clients run as `nobody`. Needs root; skipped otherwise. The helper's commands
// are tst_helper's.
#include "helperlab.h"

#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <sys/stat.h>
#include <unistd.h>

using namespace Qt::StringLiterals;
using namespace pvc::test::helperlab;

class TstHelperStart : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void impostorHelperIsRefused();
    void unsafeSocketDirectoryIsRefused();
    void socketActivation();

private:
    RunResult inNamespace(const QStringList& command)
    {
        return run(
            QStringLiteral("ip"), QStringList { QStringLiteral("netns"), QStringLiteral("exec"), m_ns } + command);
    }

    QString m_ns;
    bool m_nsCreated = false;
    QTemporaryDir m_dir;
};

void TstHelperStart::initTestCase()
{
    if (geteuid() != 0)
        QSKIP("needs root: creates a network namespace and runs pvc-helper");
    QVERIFY2(QFileInfo(binary(QStringLiteral("pvc-helper"))).isExecutable(), "pvc-helper is not built");
    m_ns = QStringLiteral("pvct-helperstart-%1").arg(QCoreApplication::applicationPid());
    QString error;
    QVERIFY2(addNamespace(m_ns, &error), qPrintable(error));
    m_nsCreated = true;
    // nobody must reach the sockets' directories.
    QVERIFY(m_dir.isValid());
    QVERIFY(openToNobody(m_dir.path()));
}

void TstHelperStart::cleanupTestCase()
{
    if (m_nsCreated)
        run(QStringLiteral("ip"), { QStringLiteral("netns"), QStringLiteral("delete"), m_ns });
}

// Issue 15: pvcd checks its helper. A process that listens where the helper should, but is not root (here
// pvc-helper itself run as nobody), is refused before anything is asked of it.
void TstHelperStart::impostorHelperIsRefused()
{
    const QString dir = m_dir.filePath(QStringLiteral("impostor"));
    QVERIFY(QDir().mkpath(dir));
    QCOMPARE(run(QStringLiteral("chown"), { QStringLiteral("nobody:nogroup"), dir }).exitCode, 0);
    const QString socket = dir + QStringLiteral("/helper.sock");
    QProcess impostor;
    impostor.setProcessChannelMode(QProcess::MergedChannels);
    impostor.start(QStringLiteral("setpriv"),
        asNobody
            + QStringList { binary(QStringLiteral("pvc-helper")), QStringLiteral("--socket"), socket,
                QStringLiteral("--allow-user"), QStringLiteral("nobody") });
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(socket) || impostor.state() == QProcess::NotRunning, 5000);
    QVERIFY2(QFileInfo::exists(socket), impostor.readAll().constData());
    const RunResult probe = run(QStringLiteral("setpriv"),
        asNobody + QStringList { binary(QStringLiteral("pvc-helperprobe")), socket, QStringLiteral("hello") });
    impostor.terminate();
    impostor.waitForFinished(5000);
    QVERIFY2(
        probe.output.contains("helper.protocol"_L1) && probe.output.contains("not root"_L1), qPrintable(probe.output));
}

// Issue 15: a socket directory someone else owns, or may write to, would let them swap the socket for theirs.
void TstHelperStart::unsafeSocketDirectoryIsRefused()
{
    const QString nobodys = m_dir.filePath(QStringLiteral("nobodys"));
    const QString open = m_dir.filePath(QStringLiteral("open"));
    QVERIFY(QDir().mkpath(nobodys) && QDir().mkpath(open));
    QCOMPARE(run(QStringLiteral("chown"), { QStringLiteral("nobody:nogroup"), nobodys }).exitCode, 0);
    QCOMPARE(run(QStringLiteral("chmod"), { QStringLiteral("1777"), open }).exitCode, 0);
    for (const QString& dir : { nobodys, open }) {
        const RunResult helper = inNamespace({ binary(QStringLiteral("pvc-helper")), QStringLiteral("--socket"),
            dir + QStringLiteral("/helper.sock"), QStringLiteral("--allow-user"), QStringLiteral("nobody") });
        QCOMPARE(helper.exitCode, 1);
        QVERIFY2(helper.output.contains("writable by it alone"_L1), qPrintable(helper.output));
        QVERIFY(!QFileInfo::exists(dir + QStringLiteral("/helper.sock")));
    }
}

// Issue 15: the socket made by someone else (systemd's pvc-helper.socket; here systemd-socket-activate, which
// speaks the same protocol) and passed at the first connection. The helper serves it, and leaves it in place.
void TstHelperStart::socketActivation()
{
    const QString activator = QStandardPaths::findExecutable(QStringLiteral("systemd-socket-activate"));
    if (activator.isEmpty())
        QSKIP("systemd-socket-activate is missing (package systemd)");
    const QString socket = m_dir.filePath(QStringLiteral("activated.sock"));
    QProcess helper;
    helper.setProcessChannelMode(QProcess::MergedChannels);
    helper.start(QStringLiteral("ip"),
        { QStringLiteral("netns"), QStringLiteral("exec"), m_ns, QStringLiteral("sh"), QStringLiteral("-c"),
            QStringLiteral("exec \"$0\" -l \"$1\" \"$2\" --allow-user nobody"), activator, socket,
            binary(QStringLiteral("pvc-helper")) });
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(socket) || helper.state() == QProcess::NotRunning, 5000);
    // Open to all, as a socket unit's SocketMode can make it: the helper's own check of the caller is what
    // keeps the others out.
    QCOMPARE(chmod(QFile::encodeName(socket).constData(), 0666), 0);
    const RunResult probe = run(QStringLiteral("setpriv"),
        asNobody + QStringList { binary(QStringLiteral("pvc-helperprobe")), socket, QStringLiteral("hello") });
    QVERIFY2(probe.output.contains("\"hello\""_L1) && probe.exitCode == 0, qPrintable(probe.output));
    const RunResult stranger = run(QStringLiteral("setpriv"),
        { QStringLiteral("--reuid=daemon"), QStringLiteral("--regid=daemon"), QStringLiteral("--clear-groups"),
            binary(QStringLiteral("pvc-helperprobe")), socket, QStringLiteral("hello") });
    QVERIFY2(stranger.output.contains("helper.denied"_L1), qPrintable(stranger.output));
    helper.terminate();
    QVERIFY(helper.waitForFinished(5000));
    const QString log = QString::fromLocal8Bit(helper.readAll());
    QCOMPARE(helper.exitCode(), 0);
    QVERIFY2(!log.contains("listening on"_L1), qPrintable(log)); // it made no socket of its own
    QVERIFY2(QFileInfo::exists(socket), "the activated socket is the activator's to remove");
}

QTEST_GUILESS_MAIN(TstHelperStart)
#include "tst_helperstart.moc"
