#include "trayapplication.h"

#include "controlconnection.h"
#include "daemonlauncher.h"
#include "ipc/controlpaths.h"
#include "mainwindow.h"
#include "projectinfo.h"
#include "trayicon.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>
#include <QJsonObject>
#include <QSystemTrayIcon>
#include <utility>

namespace pvc::app {

TrayApplication::Options TrayApplication::parseOptions(const QStringList& arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        tr("The pvc volunteer's app: joins this computer to the project, shows its state, and sets how much "
           "of the computer the project may use. It starts pvcd when pvcd is not running."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOption(
        { QStringLiteral("control"), tr("pvcd's control socket."), tr("PATH"), ipc::defaultControlSocketPath() });
    parser.addOption({ QStringLiteral("project"),
        tr("The project bundle to show on the Join screen and to start pvcd with (default: %1).")
            .arg(ProjectInfo::defaultPath()),
        tr("FILE") });
    parser.addOption({ QStringLiteral("no-start-daemon"), tr("Do not start pvcd when it is not running.") });
    parser.addOption({ QStringLiteral("minimized"), tr("Start in the system tray, without opening the window.") });
    parser.process(arguments);

    Options options;
    options.controlPath = QFileInfo(parser.value(QStringLiteral("control"))).absoluteFilePath();
    if (parser.isSet(QStringLiteral("project")))
        options.projectFile = QFileInfo(parser.value(QStringLiteral("project"))).absoluteFilePath();
    options.startDaemon = !parser.isSet(QStringLiteral("no-start-daemon"));
    options.minimized = parser.isSet(QStringLiteral("minimized"));
    return options;
}

TrayApplication::TrayApplication(const Options& options, QObject* parent)
    : QObject(parent)
    , m_connection(new ControlConnection(options.controlPath, this))
    , m_launcher(
          new DaemonLauncher(m_connection, { options.controlPath, options.projectFile, options.startDaemon }, this))
{
    const ProjectInfo project
        = ProjectInfo::load(options.projectFile.isEmpty() ? ProjectInfo::defaultPath() : options.projectFile);
    m_window = new MainWindow(m_connection, m_launcher, project);

    if (QSystemTrayIcon::isSystemTrayAvailable()) {
        QApplication::setQuitOnLastWindowClosed(false);
        m_tray = new TrayIcon(m_connection, this);
        connect(m_tray, &TrayIcon::openRequested, this, &TrayApplication::showWindow);
        connect(m_tray, &TrayIcon::quitRequested, qApp, &QCoreApplication::quit);
        m_tray->show();
        if (!options.minimized)
            showWindow();
        // A computer that has not joined yet needs the Join screen, even when started minimized.
        connect(m_connection, &ControlConnection::statusChanged, this, [this](const QJsonObject& status) {
            if (!std::exchange(m_sawStatus, true)
                && status.value(QLatin1String("state")).toString() != QLatin1String("member"))
                showWindow();
        });
    } else {
        QApplication::setQuitOnLastWindowClosed(true);
        m_window->showTrayMissingNotice();
        showWindow();
    }
    m_connection->start();
}

TrayApplication::~TrayApplication()
{
    delete m_window;
}

void TrayApplication::showWindow()
{
    m_window->show();
    m_window->raise();
    m_window->activateWindow();
}

} // namespace pvc::app
