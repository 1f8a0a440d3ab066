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
#include <optional>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

using namespace pvc;

namespace {

int fail(const QString& message)
{
    std::fprintf(stderr, "pvcd: %s\n", qPrintable(message));
    return 1;
}

QString defaultStateDirectory()
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) + QStringLiteral("/pvc");
}

// The host key lives in this process's memory: keep it out of core files.
void disableCoreDumps()
{
    const rlimit noCore { 0, 0 };
    setrlimit(RLIMIT_CORE, &noCore);
}

void addOptions(QCommandLineParser& parser)
{
    parser.setApplicationDescription(
        QStringLiteral("The pvc daemon. It keeps sessions to the project's brokers, joins the project on request,\n"
                       "authenticates the other members, and serves the control API used by 'pvc' and 'pvc-tray'."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOption(
        { QStringLiteral("no-upnp"), QStringLiteral("Do not ask the home router for a port mapping (UPnP IGD).") });
    parser.addOption({ QStringLiteral("project"),
        QStringLiteral("The project bundle (default: %1).").arg(core::ProjectBundle::defaultPath()),
        QStringLiteral("FILE") });
    parser.addOption({ QStringLiteral("state"),
        QStringLiteral("State directory for the host key and membership (default: %1).").arg(defaultStateDirectory()),
        QStringLiteral("DIR") });
    parser.addOption({ QStringLiteral("control"),
        QStringLiteral("Control socket (default: %1).").arg(ipc::defaultControlSocketPath()), QStringLiteral("PATH") });
    parser.addOption({ QStringLiteral("helper"),
        QStringLiteral("pvc-helper's socket: with it pvcd gets a TUN device (pvc0) and answers DNS on its virtual IP."),
        QStringLiteral("PATH") });
    parser.addOption({ QStringLiteral("port"), QStringLiteral("UDP port of the tunnel (default: any free port)."),
        QStringLiteral("N"), QStringLiteral("0") });
    parser.addOption({ QStringLiteral("no-worker"),
        QStringLiteral("Run no Work Queue worker: this host uses the overlay but computes nothing for the grid.") });
#ifdef PVC_TEST_SWITCHES
    parser.addOption({ QStringLiteral("test-saboteur"),
        QStringLiteral("TEST BUILDS ONLY: this volunteer's tasks return altered outputs (a saboteur for the tests and "
                       "the demo of result certification).") });
#endif
    parser.addOption({ QStringLiteral("mtu"), QStringLiteral("MTU of the TUN device (1280-1420)."), QStringLiteral("N"),
        QStringLiteral("1380") });
}

QString optionOr(const QCommandLineParser& parser, const QString& name, const QString& fallback)
{
    return parser.isSet(name) ? parser.value(name) : fallback;
}

std::optional<core::TunnelManager::Options> tunnelOptions(const QCommandLineParser& parser)
{
    core::TunnelManager::Options tunnel;
    tunnel.helperSocket = parser.value(QStringLiteral("helper"));
    bool portOk = false, mtuOk = false;
    const uint port = parser.value(QStringLiteral("port")).toUInt(&portOk);
    tunnel.mtu = parser.value(QStringLiteral("mtu")).toInt(&mtuOk);
    if (!portOk || port > 65535 || !mtuOk || tunnel.mtu < 1280 || tunnel.mtu > 1420)
        return std::nullopt;
    tunnel.udpPort = quint16(port);
    tunnel.upnp = !parser.isSet(QStringLiteral("no-upnp"));
    return tunnel;
}

// SIGTERM and SIGINT end the event loop, so that the daemon cleans up (the UPnP mapping, the device)
// on its way out. Returns the signalfd, which the caller closes when the loop has ended.
int quitOnSignals(QCoreApplication& app)
{
    sigset_t quitSignals;
    sigemptyset(&quitSignals);
    sigaddset(&quitSignals, SIGTERM);
    sigaddset(&quitSignals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &quitSignals, nullptr);
    const int signalFd = signalfd(-1, &quitSignals, SFD_NONBLOCK | SFD_CLOEXEC);
    auto* notifier = new QSocketNotifier(signalFd, QSocketNotifier::Read, &app);
    QObject::connect(notifier, &QSocketNotifier::activated, &app, [signalFd] {
        signalfd_siginfo info {};
        if (::read(signalFd, &info, sizeof info) == ssize_t(sizeof info))
            qCInfo(lcDaemon) << "signal" << info.ssi_signo << "- shutting down";
        QCoreApplication::quit();
    });
    return signalFd;
}

} // namespace

int main(int argc, char* argv[])
{
    disableCoreDumps();
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("pvcd"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PVC_VERSION));
    core::installLogFormat();

    QCommandLineParser parser;
    addOptions(parser);
    parser.process(app);

    const auto bundle
        = core::ProjectBundle::load(optionOr(parser, QStringLiteral("project"), core::ProjectBundle::defaultPath()));
    if (!bundle)
        return fail(
            QStringLiteral("cannot use the project bundle: %1 (%2)").arg(bundle.error().detail, bundle.error().code));
    const QString stateDir = optionOr(parser, QStringLiteral("state"), defaultStateDirectory());
    // QLocalSocket reads a relative name as relative to the temp directory, so make it absolute.
    const QString controlPath
        = QFileInfo(optionOr(parser, QStringLiteral("control"), ipc::defaultControlSocketPath())).absoluteFilePath();
    const auto tunnel = tunnelOptions(parser);
    if (!tunnel)
        return fail(QStringLiteral("--port wants 0-65535 and --mtu 1280-1420"));

    const int signalFd = quitOnSignals(app);
    int status = 0;
    {
        core::Daemon daemon(*bundle, stateDir, *tunnel, nullptr);
        daemon.setWorkerEnabled(!parser.isSet(QStringLiteral("no-worker")));
#ifdef PVC_TEST_SWITCHES
        if (parser.isSet(QStringLiteral("test-saboteur")))
            daemon.setTestSaboteur();
#endif
        QString error;
        if (!daemon.start(controlPath, &error))
            return fail(error);
        status = app.exec();
    }
    ::close(signalFd);
    return status;
}
