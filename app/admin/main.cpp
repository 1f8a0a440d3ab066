#include "admincli.h"
#include "common/logging.h"

#include <QCoreApplication>

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("pvc-admin"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PVC_VERSION));
    pvc::core::installLogFormat();
    return pvc::app::runAdminCommand(app.arguments());
}
