// pvc-batch: certified batches on the master (docs/batch.md).
//   pvc-batch run FILE [--dir DIR] [--port N] [--hosts A,B,...] [--control PATH] [--blocklist FILE]
//   pvc-batch status DIR [--json]
#include "batchrunner.h"
#include "batchstatus.h"
#include "ipc/controlpaths.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFileInfo>
#include <QStandardPaths>
#include <csignal>
#include <cstdio>

using pvc::batch::BatchRunner;

namespace {

void stop(int)
{
    BatchRunner::requestStop();
}

int runBatch(const QCommandLineParser& parser, const QString& file)
{
    auto spec = pvc::core::BatchSpec::load(file);
    if (!spec) {
        std::fprintf(stderr, "pvc-batch: %s: %s\n", qPrintable(file), qPrintable(spec.error().detail));
        return 2;
    }
    BatchRunner::Options options;
    options.dir = parser.isSet(QStringLiteral("dir")) ? parser.value(QStringLiteral("dir"))
                                                      : QFileInfo(file).absolutePath() + QLatin1Char('/') + spec->name;
    options.port = parser.value(QStringLiteral("port")).toInt();
    options.blocklist = parser.value(QStringLiteral("blocklist"));
    if (parser.isSet(QStringLiteral("master")))
        options.ledger = parser.value(QStringLiteral("master")) + QStringLiteral("/ledger.db");
    else
        std::fprintf(stderr, "pvc-batch: no --master DIR: credit stays in the batch folder, no volunteer sees it\n");
    options.replicaTimeoutS = parser.value(QStringLiteral("replica-timeout")).toInt();
    options.perHost = std::max(1, parser.value(QStringLiteral("per-host")).toInt());
    options.debugLog = parser.isSet(QStringLiteral("debug"));
    const QStringList fixed = parser.value(QStringLiteral("hosts")).split(QLatin1Char(','), Qt::SkipEmptyParts);
    const QString control = parser.isSet(QStringLiteral("control")) ? parser.value(QStringLiteral("control"))
                                                                    : pvc::ipc::defaultControlSocketPath();
    std::signal(SIGINT, stop);
    std::signal(SIGTERM, stop);
    BatchRunner runner(std::move(spec).value(), options, std::make_unique<pvc::batch::HostList>(fixed, control));
    QString error;
    switch (runner.run(&error)) {
    case BatchRunner::Outcome::Certified:
        std::fprintf(stderr, "pvc-batch: every task certified; results in %s/results\n", qPrintable(options.dir));
        return 0;
    case BatchRunner::Outcome::SomeInDoubt:
        std::fprintf(stderr, "pvc-batch: done, but some tasks are in doubt (see their report.json in %s/results)\n",
            qPrintable(options.dir));
        return 3;
    case BatchRunner::Outcome::Interrupted:
        std::fprintf(stderr, "pvc-batch: stopped; run the same command again to go on\n");
        return 130;
    case BatchRunner::Outcome::Failed:
        break;
    }
    std::fprintf(stderr, "pvc-batch: %s\n", qPrintable(error));
    return 1;
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("pvc-batch"));
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Runs a batch of tasks on the project's volunteers and certifies their results (docs/batch.md).\n\n"
        "  run FILE       run (or resume) the batch described by FILE\n"
        "  status DIR     what a running or finished batch has decided"));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("command"), QStringLiteral("run or status"));
    const QString defaultBlocklist
        = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/blocked-hosts");
    parser.addOptions({
        { QStringLiteral("dir"), QStringLiteral("The batch's folder (default: NAME beside FILE)."),
            QStringLiteral("dir") },
        { QStringLiteral("port"), QStringLiteral("The manager's port (the global policy opens it)."),
            QStringLiteral("n"), QStringLiteral("9123") },
        { QStringLiteral("hosts"),
            QStringLiteral("Run on these hosts only (default: the members this host's pvcd "
                           "sees)."),
            QStringLiteral("a,b,...") },
        { QStringLiteral("control"), QStringLiteral("The master host's pvcd control socket."), QStringLiteral("path") },
        { QStringLiteral("blocklist"), QStringLiteral("Hosts blocked by any batch, kept across batches."),
            QStringLiteral("file"), defaultBlocklist },
        { QStringLiteral("replica-timeout"), QStringLiteral("Seconds before a replica no worker took goes elsewhere."),
            QStringLiteral("s"), QStringLiteral("300") },
        { QStringLiteral("per-host"), QStringLiteral("Replicas in flight per host at most."), QStringLiteral("n"),
            QStringLiteral("2") },
        { QStringLiteral("master"),
            QStringLiteral("The master's folder (pvc-admin's --dir): grants go to its credit "
                           "ledger, and pvc-admin serve states them to the hosts."),
            QStringLiteral("dir") },
        { QStringLiteral("json"), QStringLiteral("status: print JSON.") },
        { QStringLiteral("debug"),
            QStringLiteral("run: Work Queue's own debug log in the batch's folder (workqueue.debug).") },
    });
    parser.process(app);
    const QStringList args = parser.positionalArguments();
    if (args.size() == 2 && args.first() == QLatin1String("run"))
        return runBatch(parser, args.at(1));
    if (args.size() == 2 && args.first() == QLatin1String("status"))
        return pvc::batch::printBatchStatus(args.at(1), parser.isSet(QStringLiteral("json")));
    std::fputs("pvc-batch: use 'pvc-batch run FILE' or 'pvc-batch status DIR' (see --help)\n", stderr);
    return 2;
}
