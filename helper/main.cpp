#include "helperserver.h"
#include "injectionguard.h"
#include "netdevices.h"
#include "privileges.h"
#include "socketactivation.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <csignal>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

using namespace pvc::helper;

namespace {
// SIGTERM and SIGINT arrive through a signalfd, as one more fd for the poll loop.
int stopSignalFd()
{
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGTERM);
    sigaddset(&stopSignals, SIGINT);
    sigprocmask(SIG_BLOCK, &stopSignals, nullptr);
    return signalfd(-1, &stopSignals, SFD_CLOEXEC);
}

void guardInjection(HelperServer& server)
{
    QString why;
    const bool guarded = installInjectionGuard(&why);
    if (!guarded)
        qCWarning(lcHelper).noquote() << "inject-syn will be refused:" << why;
    server.setInjectionGuard(guarded, why);
}

// Sets up (the socket, the injection guard), drops privileges and serves until SIGTERM or SIGINT.
int serve(const AccessPolicy& policy, int activated, const QString& socketPath)
{
    QString error;
    const int stopFd = stopSignalFd();

    // Devices a killed helper (or a caller that made them persistent) left behind belong to no one now.
    if (const int stale = removeStaleTunDevices())
        qCInfo(lcHelper) << "removed" << stale << "stale pvc TUN device(s)";
    HelperServer server(policy);
    // Before the capabilities go: nft needs them, and a program the helper runs later would get none.
    if (geteuid() == 0)
        guardInjection(server);
    if (activated >= 0)
        server.adopt(activated); // systemd made it: its path, owner and mode are the socket unit's
    if (stopFd < 0 || (activated < 0 && !server.listen(socketPath, &error))) {
        qCCritical(lcHelper).noquote() << "cannot start:" << error;
        return 1;
    }
    // From here on only what the commands need (not as another user: then there is nothing to drop).
    if (geteuid() == 0 && !dropPrivileges(&error)) {
        qCCritical(lcHelper).noquote() << "cannot drop privileges:" << error;
        return 1;
    }
    server.run(stopFd);
    qCInfo(lcHelper) << "stopped";
    return 0;
}
} // namespace

int main(int argc, char* argv[])
{
    // First of all: a root process's memory must not end up in a core file, nor be open to ptrace
    // by the unprivileged user it serves.
    prctl(PR_SET_DUMPABLE, 0);
    const rlimit noCore { 0, 0 };
    setrlimit(RLIMIT_CORE, &noCore);

    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("pvc-helper"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PVC_VERSION));
    qSetMessagePattern(QStringLiteral("%{time yyyy-MM-ddThh:mm:ss.zzz} %{category} %{type}: %{message}"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("The privileged part of pvc: creates TUN devices and a DNS socket "
                                                    "for one allowed user and passes them over a Unix socket, and "
                                                    "captures and injects that user's Traversing-TCP SYNs."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption socketOption(QStringLiteral("socket"),
        QStringLiteral("Listen on <path> (not when socket-activated)."), QStringLiteral("path"));
    const QCommandLineOption userOption(
        QStringLiteral("allow-user"), QStringLiteral("Serve only <user>."), QStringLiteral("user"));
    const QCommandLineOption groupOption(
        QStringLiteral("allow-group"), QStringLiteral("Also serve members of <group>."), QStringLiteral("group"));
    parser.addOptions({ socketOption, userOption, groupOption });
    parser.process(app);
    QString error;
    const int activated = activatedSocket(&error);
    if (activated == -2) {
        qCCritical(lcHelper).noquote() << "cannot start:" << error;
        return 1;
    }
    if ((!parser.isSet(socketOption) && activated < 0) || !parser.isSet(userOption)) {
        qCCritical(lcHelper) << "--allow-user is required, and --socket unless socket-activated (see --help)";
        return 2;
    }

    AccessPolicy policy;
    if (!resolvePolicy(parser.value(userOption), parser.value(groupOption), &policy, &error)) {
        qCCritical(lcHelper).noquote() << error;
        return 2;
    }

    return serve(policy, activated, parser.value(socketOption));
}
