#include "autostart.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QSettings>
#include <QStandardPaths>

namespace pvc::app::autostart {

QString entryPath()
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation)
        + QStringLiteral("/autostart/pvc-tray.desktop");
}

bool isEnabled()
{
    return QFileInfo::exists(entryPath());
}

bool setEnabled(bool enabled, QString* error)
{
    QSettings().setValue(QStringLiteral("autostart/consent"), enabled);
    if (!enabled) {
        if (QFile::exists(entryPath()) && !QFile::remove(entryPath())) {
            *error = QCoreApplication::translate("pvc::app::autostart", "Cannot remove %1.").arg(entryPath());
            return false;
        }
        return true;
    }
    QFile templateFile(QStringLiteral(":/pvc-tray-autostart.desktop"));
    if (!templateFile.open(QIODevice::ReadOnly)) {
        *error
            = QCoreApplication::translate("pvc::app::autostart", "The autostart template is missing from this build.");
        return false;
    }
    // Start this very binary, so that a pvc-tray run from a build tree or /opt starts again.
    QString program = QCoreApplication::applicationFilePath();
    if (program.contains(QLatin1Char(' ')))
        program = QLatin1Char('"') + program + QLatin1Char('"');
    const QString entry = QString::fromUtf8(templateFile.readAll())
                              .replace(QStringLiteral("Exec=pvc-tray"), QStringLiteral("Exec=") + program);
    QDir().mkpath(QFileInfo(entryPath()).absolutePath());
    QSaveFile file(entryPath());
    if (!file.open(QIODevice::WriteOnly) || file.write(entry.toUtf8()) < 0 || !file.commit()) {
        *error = QCoreApplication::translate("pvc::app::autostart", "Cannot write %1: %2")
                     .arg(entryPath(), file.errorString());
        return false;
    }
    return true;
}

} // namespace pvc::app::autostart
