#include "admindata.h"

#include "ipc/controlclient.h"
#include "ipc/controlcommands.h"
#include "ipc/controlpaths.h"

#include <QCommandLineParser>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonObject>
#include <cstdio>

namespace pvc::app {

namespace {
constexpr int PublishTimeoutMs = 600000; // hashing a large input takes a while

QString controlPath(const QCommandLineParser& parser)
{
    return parser.isSet(QStringLiteral("control")) ? parser.value(QStringLiteral("control"))
                                                   : ipc::defaultControlSocketPath();
}

int failWith(const ipc::ControlReply& reply)
{
    std::fprintf(stderr, "pvc-admin: %s [%s]\n", qPrintable(reply.errorDetail), qPrintable(reply.errorCode));
    return 2;
}
} // namespace

void addDataOptions(QCommandLineParser& parser)
{
    parser.addOption({ QStringLiteral("control"),
        QStringLiteral("The master host's pvcd control socket (default: %1).").arg(ipc::defaultControlSocketPath()),
        QStringLiteral("PATH") });
    parser.addPositionalArgument(QStringLiteral("FILE|DIR or list"), QStringLiteral("What to publish, or 'list'."));
}

int runPublish(QCommandLineParser& parser)
{
    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 1) {
        std::fputs("pvc-admin: publish needs one FILE or DIR\n", stderr);
        return 1;
    }
    const QString path = QFileInfo(positional.first()).absoluteFilePath();
    std::fprintf(stdout, "Hashing %s; the master host's pvcd then seeds it...\n", qPrintable(path));
    std::fflush(stdout);
    const auto reply = ipc::controlRequest(controlPath(parser), ipc::command::DataPublish,
        QJsonObject { { QStringLiteral("path"), path } }, PublishTimeoutMs);
    if (!reply.ok)
        return failWith(reply);
    std::fprintf(stdout, "%s\n", qPrintable(reply.result.value(QLatin1String("reference")).toString()));
    return 0;
}

int runData(QCommandLineParser& parser)
{
    if (parser.positionalArguments() != QStringList { QStringLiteral("list") }) {
        std::fputs("pvc-admin: data list\n", stderr);
        return 1;
    }
    const auto reply = ipc::controlRequest(controlPath(parser), ipc::command::DataStatus, {}, 10000);
    if (!reply.ok)
        return failWith(reply);
    std::fprintf(stdout, "%-42s %-24s %-11s %8s %6s %6s\n", "INFO-HASH", "NAME", "STATE", "UP MB", "PEERS", "SEEDS");
    for (const QJsonValue& value : reply.result.value(QLatin1String("transfers")).toArray()) {
        const QJsonObject t = value.toObject();
        std::fprintf(stdout, "%-42s %-24s %-11s %8lld %6d %6d\n",
            qPrintable(t.value(QLatin1String("info_hash")).toString()),
            qPrintable(t.value(QLatin1String("name")).toString()),
            qPrintable(t.value(QLatin1String("state")).toString()),
            t.value(QLatin1String("uploaded_bytes")).toInteger() / 1000000, t.value(QLatin1String("peers")).toInt(),
            t.value(QLatin1String("seeds")).toInt());
    }
    return 0;
}

} // namespace pvc::app
