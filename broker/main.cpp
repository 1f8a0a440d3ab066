#include "brokerserver.h"
#include "brokerstore.h"
#include "common/logging.h"
#include "security/keys.h"
#include "security/projectbundle.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QHostAddress>
#include <QSslCertificate>
#include <QSslKey>
#include <cstdio>

using namespace pvc;

namespace {

// The broker's own TLS identity, made on first start and kept in its state directory.
bool loadTlsIdentity(const QString& directory, QSslCertificate* certificate, QSslKey* key, QString* error)
{
    const QString keyPath = directory + QStringLiteral("/broker-tls.key");
    const QString certPath = directory + QStringLiteral("/broker-tls.crt");
    if (!QFile::exists(keyPath)) {
        const auto identity = core::keys::generateBrokerTlsIdentity(QStringLiteral("pvc-broker"));
        if (!identity) {
            *error = identity.error().detail;
            return false;
        }
        QFile certFile(certPath);
        if (!certFile.open(QIODevice::WriteOnly) || certFile.write(identity->certificatePem) < 0
            || !core::keys::writePrivateKeyFile(keyPath, identity->privatePem, error)) {
            if (error->isEmpty())
                *error = certFile.errorString();
            return false;
        }
    }
    const auto keyPem = core::keys::readPrivateKeyFile(keyPath);
    QFile certFile(certPath);
    if (!keyPem || !certFile.open(QIODevice::ReadOnly)) {
        *error = keyPem ? certFile.errorString() : keyPem.error().detail;
        return false;
    }
    *key = QSslKey(*keyPem, QSsl::Ec);
    *certificate = QSslCertificate(certFile.readAll());
    if (key->isNull() || certificate->isNull()) {
        *error = QStringLiteral("the TLS identity in %1 is unusable").arg(directory);
        return false;
    }
    return true;
}

int fail(const QString& message)
{
    std::fprintf(stderr, "pvc-broker: %s\n", qPrintable(message));
    return 1;
}

} // namespace

int printFingerprint(const QString& stateDir)
{
    QSslCertificate certificate;
    QSslKey key;
    QString error;
    if (!QDir().mkpath(stateDir) || !loadTlsIdentity(stateDir, &certificate, &key, &error))
        return fail(error.isEmpty() ? QStringLiteral("cannot make %1").arg(stateDir) : error);
    std::printf("%s\n", certificate.digest(QCryptographicHash::Sha256).toHex().constData());
    return 0;
}

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("pvc-broker"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PVC_VERSION));
    core::installLogFormat();

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "pvc rendezvous broker. Holds master-signed membership records, observes public endpoints over UDP\n"
        "(STUN on the same port), queues enrolments for the master and relays end-to-end encrypted streams."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOption({ QStringLiteral("listen"), QStringLiteral("Address and port for TCP (TLS) and UDP."),
        QStringLiteral("ADDR:PORT") });
    parser.addOption(
        { QStringLiteral("state"), QStringLiteral("State directory (SQLite, TLS identity)."), QStringLiteral("DIR") });
    parser.addOption({ QStringLiteral("fingerprint"),
        QStringLiteral("Print the SHA-256 of this broker's TLS certificate (made if there is none yet) and exit: "
                       "the project admin pins it with pvc-admin init --broker ADDR:PORT=SHA256.") });
    parser.process(app);

    if (parser.isSet(QStringLiteral("fingerprint")) && parser.isSet(QStringLiteral("state")))
        return printFingerprint(parser.value(QStringLiteral("state")));
    if (!parser.isSet(QStringLiteral("listen")) || !parser.isSet(QStringLiteral("state")))
        return fail(QStringLiteral("--listen ADDR:PORT and --state DIR are required (see --help)"));
    const auto listen = core::HostPort::parse(parser.value(QStringLiteral("listen")));
    const QHostAddress address(listen ? listen->host : QString());
    if (!listen || address.isNull())
        return fail(QStringLiteral("--listen wants a numeric ADDR:PORT, e.g. 198.18.0.1:7400"));

    const QString stateDir = parser.value(QStringLiteral("state"));
    broker::BrokerStore store;
    QString error;
    if (!store.open(stateDir, &error))
        return fail(QStringLiteral("cannot open state in %1: %2").arg(stateDir, error));
    QSslCertificate certificate;
    QSslKey key;
    if (!loadTlsIdentity(stateDir, &certificate, &key, &error))
        return fail(error);

    broker::BrokerServer server(&store, certificate, key, nullptr);
    if (!server.listen(address, listen->port, &error))
        return fail(QStringLiteral("cannot listen on %1: %2").arg(listen->toString(), error));
    qCInfo(lcBroker) << "listening on" << listen->toString() << "(TCP and UDP), state in" << stateDir;
    return app.exec();
}
