#pragma once

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QString>
#include <QStringList>

// What the helper's lab tests (tst_helper, tst_helperstart) share: running a program and reading its
// output, where the built binaries are, and setpriv's arguments for running as nobody.
namespace pvc::test::helperlab {

using namespace Qt::StringLiterals;

struct RunResult {
    int exitCode = -1;
    QString output;
};

inline RunResult run(const QString& program, const QStringList& arguments, int timeoutMs = 15000)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(program, arguments);
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished(5000);
        return { -1, QStringLiteral("timed out: ") + QString::fromLocal8Bit(process.readAll()) };
    }
    const int exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    return { exitCode, QString::fromLocal8Bit(process.readAll()) };
}

inline QString binary(const QString& name)
{
    const QString dir = qEnvironmentVariable("PVC_BIN_DIR", QCoreApplication::applicationDirPath() + "/../../bin"_L1);
    return QDir(dir).absoluteFilePath(name);
}

inline const QStringList asNobody { QStringLiteral("--reuid=nobody"), QStringLiteral("--regid=nogroup"),
    QStringLiteral("--clear-groups") };

// A network namespace of the test's own (`ip netns add NAME`); false with *error if it cannot be made.
inline bool addNamespace(const QString& name, QString* error)
{
    const RunResult added = run(QStringLiteral("ip"), { QStringLiteral("netns"), QStringLiteral("add"), name });
    *error = added.output;
    return added.exitCode == 0;
}

// A folder only root writes to, that nobody may pass through to reach the helper's socket.
inline bool openToNobody(const QString& dir)
{
    return QFile::setPermissions(dir,
        QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner | QFileDevice::ExeGroup
            | QFileDevice::ExeOther);
}

} // namespace pvc::test::helperlab
