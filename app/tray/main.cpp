#include "appicons.h"
#include "localization.h"
#include "trayapplication.h"

#include <QApplication>
#include <cstring>
#include <memory>

int main(int argc, char* argv[])
{
    // --help and --version must work without a display, so they get a QCoreApplication.
    bool textOnly = false;
    for (int i = 1; i < argc; ++i)
        for (const char* option : { "-h", "--help", "--help-all", "-v", "--version" })
            textOnly = textOnly || std::strcmp(argv[i], option) == 0;
    const std::unique_ptr<QCoreApplication> app(
        textOnly ? new QCoreApplication(argc, argv) : new QApplication(argc, argv));
    QCoreApplication::setApplicationName(QStringLiteral("pvc-tray"));
    QCoreApplication::setOrganizationName(QStringLiteral("pvc"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PVC_VERSION));
    QGuiApplication::setDesktopFileName(QStringLiteral("pvc-tray"));

    pvc::app::initTrayResources();
    pvc::app::installTranslations(QLocale::system());
    const auto options = pvc::app::TrayApplication::parseOptions(QCoreApplication::arguments());
    pvc::app::TrayApplication tray(options);
    return QCoreApplication::exec();
}
