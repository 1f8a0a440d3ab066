// pvc-sandbox-relay: runs inside the worker's sandbox (docs/grid.md). It listens on
// 127.0.0.1:PORT in the sandbox's own network namespace, splices every connection to the Unix
// socket pvcd bound in, and runs the worker as its child with the given address-space cap.
#include "common/logging.h"
#include "grid/streamsplice.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QLocalSocket>
#include <QProcess>
#include <QTcpServer>
#include <QTcpSocket>
#include <cstdio>
#include <sys/resource.h>

using pvc::core::StreamSplice;

namespace {

struct Options {
    QString socketPath;
    quint16 port = 0;
    quint64 memoryLimit = 0;
    quint64 maxProcesses = 0;
    QStringList command;
};

std::optional<Options> parseOptions(const QCoreApplication& app)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Runs inside a pvc worker sandbox: relays 127.0.0.1:PORT to pvcd's Unix socket and runs COMMAND."));
    parser.addHelpOption();
    parser.addOption({ QStringLiteral("socket"), QStringLiteral("pvcd's Unix socket."), QStringLiteral("path") });
    parser.addOption(
        { QStringLiteral("port"), QStringLiteral("Port to listen on at 127.0.0.1."), QStringLiteral("n") });
    parser.addOption({ QStringLiteral("memory-limit"),
        QStringLiteral("Address-space cap of COMMAND and its children, in bytes."), QStringLiteral("bytes") });
    parser.addOption({ QStringLiteral("max-processes"),
        QStringLiteral("Processes COMMAND and its children may have at once (counted in this sandbox only)."),
        QStringLiteral("n") });
    parser.addPositionalArgument(QStringLiteral("command"), QStringLiteral("The worker and its arguments, after --."));
    parser.process(app);
    Options options;
    bool portOk = false;
    options.socketPath = parser.value(QStringLiteral("socket"));
    options.port = parser.value(QStringLiteral("port")).toUShort(&portOk);
    options.memoryLimit = parser.value(QStringLiteral("memory-limit")).toULongLong();
    options.maxProcesses = parser.value(QStringLiteral("max-processes")).toULongLong();
    options.command = parser.positionalArguments();
    if (options.socketPath.isEmpty() || !portOk || options.port == 0 || options.command.isEmpty()) {
        std::fprintf(stderr, "pvc-sandbox-relay: needs --socket, --port and a command (see --help)\n");
        return std::nullopt;
    }
    return options;
}

void relay(QTcpServer& server, const QString& socketPath)
{
    while (QTcpSocket* tcp = server.nextPendingConnection()) {
        auto* local = new QLocalSocket(tcp);
        tcp->setSocketOption(QAbstractSocket::LowDelayOption, 1); // small messages: no Nagle delay
        tcp->setReadBufferSize(StreamSplice::MaxPending);
        local->setReadBufferSize(StreamSplice::MaxPending);
        QObject::connect(local, &QLocalSocket::connected, tcp, [tcp, local] {
            auto* splice = new StreamSplice(tcp, local, tcp);
            QObject::connect(splice, &StreamSplice::finished, tcp, &QObject::deleteLater);
        });
        QObject::connect(local, &QLocalSocket::errorOccurred, tcp, [tcp, local] {
            if (local->state() != QLocalSocket::ConnectedState) {
                qCWarning(lcGrid) << "relay: pvcd's socket:" << local->errorString();
                tcp->abort();
                tcp->deleteLater();
            }
        });
        QObject::connect(tcp, &QTcpSocket::disconnected, local, [tcp, local] {
            if (local->state() != QLocalSocket::ConnectedState)
                tcp->deleteLater();
        });
        local->connectToServer(socketPath);
    }
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    pvc::core::installLogFormat();
    const auto options = parseOptions(app);
    if (!options)
        return 2;
    QTcpServer server;
    if (!server.listen(QHostAddress::LocalHost, options->port)) {
        qCCritical(lcGrid) << "relay: cannot listen on 127.0.0.1:" << options->port << server.errorString();
        return 1;
    }
    QObject::connect(&server, &QTcpServer::newConnection, &app, [&] { relay(server, options->socketPath); });

    QProcess worker;
    worker.setProcessChannelMode(QProcess::ForwardedChannels);
    const quint64 memoryLimit = options->memoryLimit;
    const quint64 maxProcesses = options->maxProcesses;
    worker.setChildProcessModifier([memoryLimit, maxProcesses] {
        // Hard limits too, so that no task can raise them again.
        if (memoryLimit > 0) {
            const rlimit limit { rlim_t(memoryLimit), rlim_t(memoryLimit) };
            setrlimit(RLIMIT_AS, &limit);
        }
        // Inside the sandbox's own user namespace, RLIMIT_NPROC counts that namespace's processes only.
        if (maxProcesses > 0) {
            const rlimit limit { rlim_t(maxProcesses), rlim_t(maxProcesses) };
            setrlimit(RLIMIT_NPROC, &limit);
        }
    });
    QObject::connect(&worker, &QProcess::finished, &app,
        [&](int code, QProcess::ExitStatus status) { app.exit(status == QProcess::NormalExit ? code : 1); });
    QObject::connect(&worker, &QProcess::errorOccurred, &app, [&](QProcess::ProcessError error) {
        if (error == QProcess::FailedToStart) {
            qCCritical(lcGrid) << "relay: cannot start" << options->command.first() << worker.errorString();
            app.exit(127);
        }
    });
    worker.start(options->command.first(), options->command.mid(1));
    return app.exec();
}
