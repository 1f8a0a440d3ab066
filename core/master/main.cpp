#include "common/logging.h"
#include "master/admincli.h"

#include <QCoreApplication>

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("pvc-admin"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PVC_VERSION));
    pvc::core::installLogFormat();
    return pvc::core::runAdminCommand(app.arguments());
}
