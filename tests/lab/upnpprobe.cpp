// UpnpMapper on the command line, for tst_upnp and for trying a router by hand (docs/connectivity.md,
// "UPnP IGD"). Every line it prints on stdout is one JSON object; logs go to stderr.
//
//   pvc-upnpprobe map PORT [DESCRIPTION]
//       binds UDP PORT on all addresses and keeps it mapped on the LAN's IGD. Prints the mapper's status
//       whenever it changes, and {"received": TEXT, "from": "ip:port"} for each datagram. On SIGTERM or
//       SIGINT it deletes the mapping, prints {"stopped": true, ...status} and exits 0.
//   pvc-upnpprobe stun ADDRESS PORT
//       answers STUN Binding requests (RFC 5389) on ADDRESS:PORT, as miniupnpd's ext_perform_stun needs,
//       until SIGTERM or SIGINT.
#include "common/logging.h"
#include "connectivity/upnpmapper.h"
#include "protocol/stun.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QNetworkDatagram>
#include <QSocketNotifier>
#include <QTimer>
#include <QUdpSocket>
#include <csignal>
#include <cstdio>
#include <sys/signalfd.h>
#include <unistd.h>

using pvc::core::UpnpMapper;

namespace {

void print(const QJsonObject& line)
{
    std::fputs(QJsonDocument(line).toJson(QJsonDocument::Compact).append('\n').constData(), stdout);
    std::fflush(stdout);
}

int usage()
{
    std::fputs("usage: pvc-upnpprobe map PORT [DESCRIPTION] | stun ADDRESS PORT\n", stderr);
    return 2;
}

quint16 parsePort(const QString& text)
{
    bool ok = false;
    const uint port = text.toUInt(&ok);
    return ok && port > 0 && port <= 65535 ? quint16(port) : 0;
}

int runMapper(QCoreApplication& app, int signalFd, quint16 port, const QString& description)
{
    QUdpSocket socket;
    if (!socket.bind(QHostAddress::AnyIPv4, port)) {
        std::fprintf(stderr, "pvc-upnpprobe: cannot bind UDP %u: %s\n", port, qPrintable(socket.errorString()));
        return 1;
    }
    QObject::connect(&socket, &QUdpSocket::readyRead, &socket, [&socket] {
        while (socket.hasPendingDatagrams()) {
            const QNetworkDatagram datagram = socket.receiveDatagram(2048);
            print({ { QStringLiteral("received"), QString::fromUtf8(datagram.data()).trimmed() },
                { QStringLiteral("from"),
                    datagram.senderAddress().toString() + QLatin1Char(':')
                        + QString::number(datagram.senderPort()) } });
        }
    });

    UpnpMapper mapper(description);
    QJsonObject printed;
    const auto printChange = [&] {
        const QJsonObject status = mapper.statusJson();
        if (status != printed)
            print(printed = status);
    };
    // Only mappingChanged is a signal; the other state changes (discovering, unavailable) are polled.
    QObject::connect(&mapper, &UpnpMapper::mappingChanged, &mapper, printChange);
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, &mapper, printChange);
    poll.start(100);

    QSocketNotifier stopNotifier(signalFd, QSocketNotifier::Read);
    QObject::connect(&stopNotifier, &QSocketNotifier::activated, &mapper, [&] {
        signalfd_siginfo info;
        if (::read(signalFd, &info, sizeof(info)) != sizeof(info))
            return;
        poll.stop();
        mapper.stop();
        QJsonObject status = mapper.statusJson();
        status.insert(QStringLiteral("stopped"), true);
        print(status);
        app.quit();
    });

    mapper.start(port);
    printChange();
    return app.exec();
}

int runStun(QCoreApplication& app, int signalFd, const QHostAddress& address, quint16 port)
{
    QUdpSocket socket;
    if (!socket.bind(address, port)) {
        std::fprintf(stderr, "pvc-upnpprobe: cannot bind UDP %s:%u: %s\n", qPrintable(address.toString()), port,
            qPrintable(socket.errorString()));
        return 1;
    }
    QObject::connect(&socket, &QUdpSocket::readyRead, &socket, [&socket] {
        while (socket.hasPendingDatagrams()) {
            const QNetworkDatagram datagram = socket.receiveDatagram(pvc::core::stun::MaxMessageBytes + 1);
            const auto request = pvc::core::stun::decode(datagram.data());
            if (!request || request->type != pvc::core::stun::BindingRequest)
                continue;
            const QHostAddress sender(datagram.senderAddress().toIPv4Address());
            socket.writeDatagram(
                pvc::core::stun::encodeBindingSuccess(request->transactionId, sender, datagram.senderPort()), sender,
                datagram.senderPort());
            print({ { QStringLiteral("answered"),
                sender.toString() + QLatin1Char(':') + QString::number(datagram.senderPort()) } });
        }
    });
    QSocketNotifier stopNotifier(signalFd, QSocketNotifier::Read);
    QObject::connect(&stopNotifier, &QSocketNotifier::activated, &app, &QCoreApplication::quit);
    print({ { QStringLiteral("listening"), address.toString() + QLatin1Char(':') + QString::number(port) } });
    return app.exec();
}

} // namespace

int main(int argc, char* argv[])
{
    // Blocked before any thread exists, so that every thread (the mapper's worker too) inherits the
    // mask and the signals arrive only through the signalfd.
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGTERM);
    sigaddset(&stopSignals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);
    const int signalFd = signalfd(-1, &stopSignals, SFD_CLOEXEC | SFD_NONBLOCK);

    QCoreApplication app(argc, argv);
    pvc::core::installLogFormat();
    const QStringList args = app.arguments().mid(1);
    if (signalFd < 0 || args.isEmpty())
        return usage();
    if (args[0] == QStringLiteral("map") && (args.size() == 2 || args.size() == 3)) {
        const quint16 port = parsePort(args[1]);
        if (port == 0)
            return usage();
        return runMapper(app, signalFd, port, args.size() == 3 ? args[2] : QStringLiteral("pvc upnpprobe"));
    }
    if (args[0] == QStringLiteral("stun") && args.size() == 3) {
        const QHostAddress address(args[1]);
        const quint16 port = parsePort(args[2]);
        if (address.protocol() != QAbstractSocket::IPv4Protocol || port == 0)
            return usage();
        return runStun(app, signalFd, address, port);
    }
    return usage();
}
