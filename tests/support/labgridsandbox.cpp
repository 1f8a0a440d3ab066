// LabGrid's check that the workers' sandbox can be made on this machine (tests that need workers skip if not).
#include "labgrid.h"

#include <QProcess>

namespace pvc::test {

QString LabGrid::sandboxUnavailable()
{
    QProcess probe;
    probe.start(QStringLiteral("setpriv"),
        { QStringLiteral("--reuid=nobody"), QStringLiteral("--regid=nogroup"), QStringLiteral("--clear-groups"),
            QStringLiteral("--"), QStringLiteral("bwrap"), QStringLiteral("--unshare-all"), QStringLiteral("--ro-bind"),
            QStringLiteral("/usr"), QStringLiteral("/usr"), QStringLiteral("--symlink"), QStringLiteral("usr/lib"),
            QStringLiteral("/lib"), QStringLiteral("--symlink"), QStringLiteral("usr/lib64"), QStringLiteral("/lib64"),
            QStringLiteral("/usr/bin/true") });
    if (probe.waitForFinished(10000) && probe.exitStatus() == QProcess::NormalExit && probe.exitCode() == 0)
        return {};
    const QString said = QString::fromUtf8(probe.readAllStandardError()).trimmed();
    return QStringLiteral("bwrap cannot make a sandbox here: ") + (said.isEmpty() ? probe.errorString() : said);
}

} // namespace pvc::test
