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
    QString fetch; // a pvc-data: reference: ask pvcd for it and print its path, then exit
    QString dataSocket;
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
    parser.addOption({ QStringLiteral("fetch"),
        QStringLiteral("For a task: ask pvcd for this pvc-data: input, wait, and print its read-only path."),
        QStringLiteral("reference") });
    parser.addOption({ QStringLiteral("data-socket"), QStringLiteral("pvcd's data socket (default /pvc/data.sock)."),
        QStringLiteral("path"), QStringLiteral("/pvc/data.sock") });
    parser.addPositionalArgument(QStringLiteral("command"), QStringLiteral("The worker and its arguments, after --."));
    parser.process(app);
    Options options;
    options.fetch = parser.value(QStringLiteral("fetch"));
    options.dataSocket = parser.value(QStringLiteral("data-socket"));
    if (!options.fetch.isEmpty())
        return options;
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

// `--fetch REF`: one line to pvcd's data socket, one line back. Exit 0 with the path on stdout, else 2.
int fetchData(const Options& options)
{
    QLocalSocket socket;
    socket.connectToServer(options.dataSocket);
    if (!socket.waitForConnected(5000)) {
        std::fprintf(stderr, "pvc-sandbox-relay: no data socket at %s: %s\n", qPrintable(options.dataSocket),
            qPrintable(socket.errorString()));
        return 2;
    }
    socket.write(options.fetch.toUtf8() + '\n');
    socket.flush();
    QByteArray answer;
    while (
        !answer.contains('\n') && answer.size() <= 4096 && (socket.bytesAvailable() > 0 || socket.waitForReadyRead(-1)))
        answer += socket.readAll();
    answer = answer.trimmed();
    if (!answer.startsWith("ok ")) {
        std::fprintf(
            stderr, "pvc-sandbox-relay: %s\n", answer.isEmpty() ? "pvcd closed the data socket" : answer.constData());
        return 2;
    }
    std::fprintf(stdout, "%s\n", answer.mid(3).constData());
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    pvc::core::installLogFormat();
    const auto options = parseOptions(app);
    if (!options)
        return 2;
    if (!options->fetch.isEmpty())
        return fetchData(*options);
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
