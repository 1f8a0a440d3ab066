#include "ipc/controlpaths.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QSysInfo>

namespace pvc::ipc {

QString defaultControlSocketPath()
{
    QString runtime = QStandardPaths::writableLocation(QStandardPaths::RuntimeLocation);
    if (runtime.isEmpty())
        runtime = QDir::tempPath();
    return runtime + QStringLiteral("/pvc/control.sock");
}

QString defaultMachineName()
{
    QString name = QSysInfo::machineHostName().toLower();
    name.replace(QRegularExpression(QStringLiteral("[^a-z0-9-]+")), QStringLiteral("-"));
    name = name.left(63);
    while (name.startsWith(QLatin1Char('-')))
        name.remove(0, 1);
    while (name.endsWith(QLatin1Char('-')))
        name.chop(1);
    return name.isEmpty() ? QStringLiteral("host") : name;
}

QString defaultProjectBundlePath()
{
    const QString relative = QStringLiteral("pvc/project.json");
    const QString found = QStandardPaths::locate(QStandardPaths::GenericConfigLocation, relative);
    if (!found.isEmpty())
        return found;
    for (const QString& dir : QStandardPaths::standardLocations(QStandardPaths::GenericDataLocation))
        if (QFile::exists(dir + QLatin1Char('/') + relative))
            return dir + QLatin1Char('/') + relative;
    return QStringLiteral("/usr/share/") + relative;
}

} // namespace pvc::ipc
