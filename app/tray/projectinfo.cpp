#include "projectinfo.h"

#include "ipc/controlpaths.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSysInfo>

namespace pvc::app {

namespace {
constexpr qint64 MaxBundleBytes = 64 * 1024;
constexpr qint64 MaxInviteBytes = 1024;
} // namespace

QString ProjectInfo::defaultPath()
{
    return ipc::defaultProjectBundlePath();
}

ProjectInfo ProjectInfo::load(const QString& path)
{
    ProjectInfo info;
    info.path = path;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        info.error = tr("No project bundle was found at %1. Start pvc-tray with --project FILE.").arg(path);
        return info;
    }
    if (file.size() > MaxBundleBytes) {
        info.error = tr("%1 is too large to be a project bundle.").arg(path);
        return info;
    }
    const QJsonObject o = QJsonDocument::fromJson(file.read(MaxBundleBytes)).object();
    const QString name = o.value(QLatin1String("name")).toString();
    if (o.value(QLatin1String("format")).toString() != QLatin1String("pvc-project-1") || name.isEmpty()) {
        info.error = tr("%1 is not a pvc project bundle.").arg(path);
        return info;
    }
    info.name = name;
    info.domain = o.value(QLatin1String("domain")).toString();
    for (const QJsonValue& broker : o.value(QLatin1String("brokers")).toArray())
        info.brokers << broker.toString();

    QFile invite(QFileInfo(path).absolutePath() + QStringLiteral("/invite.txt"));
    if (invite.open(QIODevice::ReadOnly) && invite.size() <= MaxInviteBytes)
        info.inviteToken = QString::fromUtf8(invite.readAll()).trimmed();
    return info;
}

} // namespace pvc::app
