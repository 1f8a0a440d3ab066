#include "appicons.h"

#include <QImageReader>

// Q_INIT_RESOURCE must be used outside any namespace.
static void initPvcTrayQrc()
{
    Q_INIT_RESOURCE(pvc_tray);
}

namespace pvc::app {

namespace {
QIcon loadIcon(const QString& base)
{
    static const bool svg = QImageReader::supportedImageFormats().contains("svg");
    if (svg)
        return QIcon(QStringLiteral(":/icons/%1.svg").arg(base));
    QIcon icon;
    for (const int size : { 16, 32, 64 })
        icon.addFile(QStringLiteral(":/icons/%1-%2.png").arg(base).arg(size), QSize(size, size));
    return icon;
}
} // namespace

void initTrayResources()
{
    initPvcTrayQrc();
}

QIcon stateIcon(TrayState state)
{
    switch (state) {
    case TrayState::NotJoined:
        return loadIcon(QStringLiteral("pvc-not-joined"));
    case TrayState::Connecting:
        return loadIcon(QStringLiteral("pvc-connecting"));
    case TrayState::Member:
        return loadIcon(QStringLiteral("pvc-member"));
    case TrayState::Computing:
        return loadIcon(QStringLiteral("pvc-computing"));
    case TrayState::Paused:
        return loadIcon(QStringLiteral("pvc-paused"));
    case TrayState::Error:
        break;
    }
    return loadIcon(QStringLiteral("pvc-error"));
}

QIcon applicationIcon()
{
    return loadIcon(QStringLiteral("pvc"));
}

} // namespace pvc::app
