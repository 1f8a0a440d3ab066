#include "commands.h"
#include "ipc/controlpaths.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFileInfo>
#include <cstdio>

using namespace pvc;

namespace {

void addOptions(QCommandLineParser& parser)
{
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOption({ QStringLiteral("control"), QStringLiteral("pvcd's control socket."), QStringLiteral("PATH"),
        ipc::defaultControlSocketPath() });
    parser.addOption({ QStringLiteral("invite"), QStringLiteral("join: the invite token."), QStringLiteral("TOKEN") });
    parser.addOption({ QStringLiteral("name"), QStringLiteral("join: this machine's name (default: hostname)."),
        QStringLiteral("NAME") });
    parser.addOption({ QStringLiteral("timeout"), QStringLiteral("join: seconds to wait for the master."),
        QStringLiteral("S"), QStringLiteral("30") });
    parser.addOption({ QStringLiteral("json"), QStringLiteral("status, peers, credits: print JSON.") });
    parser.addOption({ QStringLiteral("percent"), QStringLiteral("set when-in-use throttle: the CPU share, 10-100."),
        QStringLiteral("P") });
}

// "join, status, ... credits or leave."
QString commandList()
{
    QStringList names;
    for (const app::cli::Command& command : app::cli::commands())
        names << command.name;
    const QString last = names.takeLast();
    return names.join(QStringLiteral(", ")) + QStringLiteral(" or ") + last + QLatin1Char('.');
}

} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("pvc"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PVC_VERSION));

    const QString usage = app::cli::usage();
    QCommandLineParser parser;
    parser.setApplicationDescription(usage);
    addOptions(parser);
    parser.addPositionalArgument(QStringLiteral("command"), commandList());
    parser.process(app);

    const QStringList positional = parser.positionalArguments();
    if (positional.isEmpty()) {
        std::fputs(qPrintable(usage), stderr);
        return 1;
    }
    const app::cli::Invocation invocation { QFileInfo(parser.value(QStringLiteral("control"))).absoluteFilePath(),
        positional, parser, parser.isSet(QStringLiteral("json")) };
    for (const app::cli::Command& command : app::cli::commands())
        if (command.name == positional.first())
            return command.run(invocation);
    std::fprintf(stderr, "pvc: unknown command '%s'\n\n%s", qPrintable(positional.first()), qPrintable(usage));
    return 1;
}
