// Fuzz target for pvcd's control API handlers (core/coordinator/controlapi.h and the commands other modules
// add), not only the frame codec: a real Daemon, not yet a member, with its state in a temporary folder, and
// one client on its control socket that sends each input as the body of one request frame and waits for the
// answer. Whatever a local client sends, pvcd must answer or close, never crash or misuse memory (ASan and
// UBSan in the libFuzzer build).
//
// The daemon runs in a network namespace of its own (only a loopback, down), so nothing it is made to do
// reaches any network: its brokers are unreachable. data-publish and data-fetch are left out: they name
// files to read and write, as the user running the fuzzer.
#include "coordinator/daemon.h"
#include "fuzzrequire.h"
#include "ipc/frame.h"
#include "isolatedapp.h"
#include "security/certificates.h"
#include "security/keys.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocalSocket>
#include <QTemporaryDir>
#include <QtEndian>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>

using namespace pvc;
using namespace pvc::core;

namespace {

constexpr int AnswerWaitMs = 20;
constexpr int InputsPerConnection = 1000;

struct World {
    QTemporaryDir dir;
    std::unique_ptr<Daemon> daemon;
    std::unique_ptr<QLocalSocket> client;
    int sent = 0;

    World()
    {
        require(dir.isValid(), "a temporary folder");
        removedAtExit(dir.path());
        // The owner's preferences and every other file stay in the temporary folder.
        for (const char* variable : { "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME" })
            qputenv(variable, QFile::encodeName(dir.filePath(QString::fromLatin1(variable))));
        const QByteArray caKey = keys::generateEd25519().value().privatePem;
        ProjectBundle bundle;
        bundle.name = QStringLiteral("fuzz");
        bundle.network = QStringLiteral("240.7.0.0/16");
        bundle.domain = QStringLiteral("pvc");
        bundle.brokers = { QStringLiteral("198.18.0.2:7400") };
        bundle.caCertificatePem = certs::createCaCertificate(caKey, QStringLiteral("Fuzz"), 365).value();
        bundle = ProjectBundle::fromJson(bundle.toJson()).value(); // the derived fields
        TunnelManager::Options tunnel;
        tunnel.upnp = false;
        daemon = std::make_unique<Daemon>(bundle, dir.filePath(QStringLiteral("state")), tunnel, nullptr);
        daemon->setWorkerEnabled(false);
        QString error;
        require(daemon->start(controlPath(), &error), qPrintable(error));
    }

    QString controlPath() const { return dir.filePath(QStringLiteral("control.sock")); }

    QLocalSocket* connection()
    {
        if (client && client->state() == QLocalSocket::ConnectedState && sent < InputsPerConnection)
            return client.get();
        client = std::make_unique<QLocalSocket>();
        client->connectToServer(controlPath());
        require(client->waitForConnected(2000), "pvcd's control socket accepts");
        sent = 0;
        return client.get();
    }

    // Sends one frame and runs pvcd until it answers, closes, or AnswerWaitMs pass (join waits for a
    // master that never comes).
    void exchange(const QByteArray& body)
    {
        QLocalSocket* socket = connection();
        ++sent;
        QByteArray frame(4, Qt::Uninitialized);
        qToBigEndian<quint32>(quint32(body.size()), frame.data());
        socket->write(frame + body);
        socket->flush();
        const QDeadlineTimer deadline(AnswerWaitMs);
        while (!deadline.hasExpired() && socket->bytesAvailable() == 0
            && socket->state() == QLocalSocket::ConnectedState) {
            QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
            socket->waitForReadyRead(1);
        }
        const QByteArray answer = socket->readAll();
        if (verbose)
            std::fprintf(
                stderr, "fuzz_controlapi: %s -> %s\n", body.left(200).constData(), answer.mid(4, 300).constData());
    }

    const bool verbose = qEnvironmentVariableIsSet("PVC_FUZZ_VERBOSE");
};

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    startIsolatedApplication("fuzz_controlapi");
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size > ipc::MaxFrameBytes)
        return 0;
    const QByteArray body(reinterpret_cast<const char*>(data), qsizetype(size));
    // Parsed as pvcd parses it, so that no spelling of these names gets through.
    const QString command = QJsonDocument::fromJson(body).object().value(QLatin1String("cmd")).toString();
    if (command == QLatin1String("data-publish") || command == QLatin1String("data-fetch"))
        return 0;
    // Never destroyed: its threads (and Qt's) may still run while the process exits.
    static World* world = new World;
    world->exchange(body);
    return 0;
}
