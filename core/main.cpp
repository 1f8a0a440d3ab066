#include "common/logging.h"
#include "coordinator/daemon.h"
#include "ipc/controlpaths.h"
#include "security/projectbundle.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QSocketNotifier>
#include <QStandardPaths>
#include <csignal>
#include <cstdio>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

using namespace pvc;

namespace {

// The bundle an installer put in place: the user's config first, then the system's.
QString defaultProjectPath()
{
    const QString found
        = QStandardPaths::locate(QStandardPaths::GenericConfigLocation, QStringLiteral("pvc/project.json"));
    if (!found.isEmpty())
        return found;
    for (const QString& dir : QStandardPaths::standardLocations(QStandardPaths::GenericDataLocation))
        if (QFile::exists(dir + QStringLiteral("/pvc/project.json")))
            return dir + QStringLiteral("/pvc/project.json");
    return QStringLiteral("/usr/share/pvc/project.json");
}

int fail(const QString& message)
{
    std::fprintf(stderr, "pvcd: %s\n", qPrintable(message));
    return 1;
}

} // namespace

int main(int argc, char* argv[])
{
    // The host key lives in this process's memory: keep it out of core files.
    const rlimit noCore { 0, 0 };
    setrlimit(RLIMIT_CORE, &noCore);

    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("pvcd"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PVC_VERSION));
    core::installLogFormat();

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("The pvc daemon. It keeps sessions to the project's brokers, joins the project on request,\n"
                       "authenticates the other members, and serves the control API used by 'pvc' and 'pvc-tray'."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOption(
        { QStringLiteral("no-upnp"), QStringLiteral("Do not ask the home router for a port mapping (UPnP IGD).") });
    parser.addOption({ QStringLiteral("project"),
        QStringLiteral("The project bundle (default: %1).").arg(defaultProjectPath()), QStringLiteral("FILE") });
    parser.addOption({ QStringLiteral("state"),
        QStringLiteral("State directory for the host key and membership (default: %1).")
            .arg(QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) + QStringLiteral("/pvc")),
        QStringLiteral("DIR") });
    parser.addOption({ QStringLiteral("control"),
        QStringLiteral("Control socket (default: %1).").arg(ipc::defaultControlSocketPath()), QStringLiteral("PATH") });
    parser.addOption({ QStringLiteral("helper"),
        QStringLiteral("pvc-helper's socket: with it pvcd gets a TUN device (pvc0) and answers DNS on its virtual IP."),
        QStringLiteral("PATH") });
    parser.addOption({ QStringLiteral("port"), QStringLiteral("UDP port of the tunnel (default: any free port)."),
        QStringLiteral("N"), QStringLiteral("0") });
    parser.addOption({ QStringLiteral("mtu"), QStringLiteral("MTU of the TUN device (1280-1420)."), QStringLiteral("N"),
        QStringLiteral("1380") });
    parser.process(app);

    const QString projectPath
        = parser.isSet(QStringLiteral("project")) ? parser.value(QStringLiteral("project")) : defaultProjectPath();
    const auto bundle = core::ProjectBundle::load(projectPath);
    if (!bundle)
        return fail(
            QStringLiteral("cannot use the project bundle: %1 (%2)").arg(bundle.error().detail, bundle.error().code));
    const QString stateDir = parser.isSet(QStringLiteral("state"))
        ? parser.value(QStringLiteral("state"))
        : QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) + QStringLiteral("/pvc");
    // QLocalSocket reads a relative name as relative to the temp directory, so make it absolute.
    const QString controlPath
        = QFileInfo(parser.isSet(QStringLiteral("control")) ? parser.value(QStringLiteral("control"))
                                                            : ipc::defaultControlSocketPath())
              .absoluteFilePath();

    core::TunnelManager::Options tunnel;
    tunnel.helperSocket = parser.value(QStringLiteral("helper"));
    bool portOk = false, mtuOk = false;
    const uint port = parser.value(QStringLiteral("port")).toUInt(&portOk);
    tunnel.mtu = parser.value(QStringLiteral("mtu")).toInt(&mtuOk);
    if (!portOk || port > 65535 || !mtuOk || tunnel.mtu < 1280 || tunnel.mtu > 1420)
        return fail(QStringLiteral("--port wants 0-65535 and --mtu 1280-1420"));
    tunnel.udpPort = quint16(port);
    tunnel.upnp = !parser.isSet(QStringLiteral("no-upnp"));
    // SIGTERM and SIGINT end the event loop, so that the daemon cleans up (the UPnP mapping, the
    // device) on its way out.
    sigset_t quitSignals;
    sigemptyset(&quitSignals);
    sigaddset(&quitSignals, SIGTERM);
    sigaddset(&quitSignals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &quitSignals, nullptr);
    const int signalFd = signalfd(-1, &quitSignals, SFD_NONBLOCK | SFD_CLOEXEC);
    QSocketNotifier quitNotifier(signalFd, QSocketNotifier::Read);
    QObject::connect(&quitNotifier, &QSocketNotifier::activated, &app, [signalFd] {
        signalfd_siginfo info {};
        if (::read(signalFd, &info, sizeof info) == ssize_t(sizeof info))
            qCInfo(lcDaemon) << "signal" << info.ssi_signo << "- shutting down";
        QCoreApplication::quit();
    });
    int status = 0;
    {
        core::Daemon daemon(*bundle, stateDir, tunnel, nullptr);
        QString error;
        if (!daemon.start(controlPath, &error))
            return fail(error);
        status = app.exec();
    }
    ::close(signalFd);
    return status;
}
