#include "ipc/controlpaths.h"

#include <QDir>
#include <QStandardPaths>

namespace pvc::ipc {

QString defaultControlSocketPath()
{
    QString runtime = QStandardPaths::writableLocation(QStandardPaths::RuntimeLocation);
    if (runtime.isEmpty())
        runtime = QDir::tempPath();
    return runtime + QStringLiteral("/pvc/control.sock");
}

} // namespace pvc::ipc
