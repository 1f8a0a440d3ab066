// Drives TcpPunch, TtcpClient and pvc-helper's Traversing-TCP commands for tst_tcppunch, as pvcd would,
// inside a lab namespace. Prints one JSON line per event; after a connection is up it writes
// "hello from PORT\n" on it and prints the first line it reads back ("exchange").
//
//   pvc-tcppunchprobe punch PORT ADDRESS:PORT[,ADDRESS:PORT...] [TIMEOUT_MS]
//   pvc-tcppunchprobe ttcp-client SOCKET SERVER:PORT [TIMEOUT_MS]   prints the captured SYN ("syn")
//   pvc-tcppunchprobe helper SOCKET     reads commands from stdin, one a line:
//     listen PORT                       listen on PORT (then print "accepted" and exchange per connection)
//     await PORT ADDRESS                as the Traversing-TCP server: a TcpPunch on PORT that only accepts,
//                                       from ADDRESS ("accepted" and exchange, or "await" with the error)
//     unlisten PORT                     close that listener
//     allow PORT | take PORT            ttcp-allow, take-syn
//     capture PORT ADDRESS:PORT         capture-syn of the SYN from PORT to that server
//     connect PORT ADDRESS:PORT         connect() from PORT (SO_REUSEADDR/PORT beside its listener); no wait
//     inject BASE64                     inject-syn of exactly these bytes
//     inject-relayed BASE64 CLIENT_ADDRESS PORT   rewriteSynForInjection to PORT, then inject-syn
#include "connectivity/helperclient.h"
#include "connectivity/tcppunch.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QSocketNotifier>
#include <QTimer>
#include <arpa/inet.h>
#include <cstdio>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace pvc::core;
using namespace Qt::StringLiterals;

namespace {

void print(const QString& step, QJsonObject fields = {})
{
    fields.insert(u"step"_s, step);
    std::fputs(QJsonDocument(fields).toJson(QJsonDocument::Compact).append('\n').constData(), stdout);
    std::fflush(stdout);
}

void printOutcome(const QString& step, const Error* error, QJsonObject fields = {})
{
    fields.insert(u"ok"_s, !error);
    if (error) {
        fields.insert(u"code"_s, error->code);
        fields.insert(u"detail"_s, error->detail);
    }
    print(step, fields);
}

TcpEndpoint parseEndpoint(const QString& text)
{
    return { QHostAddress(text.section(u':', 0, 0)), quint16(text.section(u':', 1).toUInt()) };
}

// Says hello on a connected socket and prints the peer's hello, 5 s at most. Closes the socket.
void exchange(int fd, quint16 localPort)
{
    const QByteArray hello = "hello from " + QByteArray::number(localPort) + '\n';
    QByteArray got;
    if (write(fd, hello.constData(), size_t(hello.size())) == hello.size()) {
        QElapsedTimer clock;
        clock.start();
        while (!got.contains('\n') && clock.elapsed() < 5000) {
            pollfd entry { fd, POLLIN, 0 };
            char buffer[256];
            const ssize_t n = poll(&entry, 1, 100) == 1 ? read(fd, buffer, sizeof(buffer)) : -1;
            if (n == 0)
                break;
            if (n > 0)
                got += QByteArray(buffer, n);
        }
    }
    ::close(fd);
    print(u"exchange"_s, { { u"got"_s, QString::fromUtf8(got.trimmed()) } });
}

int punch(const QStringList& arguments)
{
    auto* punch = new TcpPunch(qApp);
    const auto port = punch->listen(quint16(arguments.value(0).toUInt()));
    if (!port) {
        printOutcome(u"listening"_s, &port.error());
        return 1;
    }
    print(u"listening"_s, { { u"port"_s, *port } });
    QList<TcpEndpoint> candidates;
    for (const QString& candidate : arguments.value(1).split(u','))
        candidates << parseEndpoint(candidate);
    QElapsedTimer clock;
    clock.start();
    QObject::connect(punch, &TcpPunch::succeeded, qApp, [=, &clock](const TcpEndpoint& peer) {
        printOutcome(u"punch"_s, nullptr, { { u"peer"_s, peer.toString() }, { u"ms"_s, clock.elapsed() } });
        exchange(punch->takeSocket(), *port);
        QCoreApplication::exit(0);
    });
    QObject::connect(punch, &TcpPunch::failed, qApp, [](const QString& code, const QString& detail) {
        const Error error { code, detail };
        printOutcome(u"punch"_s, &error);
        QCoreApplication::exit(1);
    });
    punch->start(candidates, arguments.value(2, u"10000"_s).toInt());
    return QCoreApplication::exec();
}

int ttcpClient(HelperClient& helper, const QStringList& arguments)
{
    auto* client = new TtcpClient(&helper, qApp);
    const auto port = client->listen();
    if (!port) {
        printOutcome(u"listening"_s, &port.error());
        return 1;
    }
    print(u"listening"_s, { { u"port"_s, *port } });
    QObject::connect(client, &TtcpClient::synCaptured, qApp, [](const QByteArray& syn) {
        print(u"syn"_s, { { u"packet"_s, QString::fromLatin1(syn.toBase64()) } });
    });
    QObject::connect(client, &TtcpClient::succeeded, qApp, [=](const TcpEndpoint& server) {
        printOutcome(u"connect"_s, nullptr, { { u"peer"_s, server.toString() } });
        exchange(client->takeSocket(), *port);
        QCoreApplication::exit(0);
    });
    QObject::connect(client, &TtcpClient::failed, qApp, [](const QString& code, const QString& detail) {
        const Error error { code, detail };
        printOutcome(u"connect"_s, &error);
        QCoreApplication::exit(1);
    });
    client->start(parseEndpoint(arguments.value(0)), arguments.value(1, u"10000"_s).toInt());
    return QCoreApplication::exec();
}

// One command from stdin, against the helper or our own listeners.
// A non-blocking connect() from port (beside a listener there) to ADDRESS:PORT: its SYN is what a capture sees.
// The socket is left open, to be closed with the probe.
Result<bool> connectFrom(quint16 port, const QString& server)
{
    const TcpEndpoint to = parseEndpoint(server);
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
    sockaddr_in local {};
    local.sin_family = AF_INET;
    local.sin_port = htons(port);
    sockaddr_in remote {};
    remote.sin_family = AF_INET;
    remote.sin_port = htons(to.port);
    remote.sin_addr.s_addr = htonl(to.address.toIPv4Address());
    if (bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof(local)) != 0
        || (::connect(fd, reinterpret_cast<const sockaddr*>(&remote), sizeof(remote)) != 0 && errno != EINPROGRESS))
        return makeError("probe.connect", QString::fromLocal8Bit(strerror(errno)));
    return true;
}

void command(HelperClient& helper, QMap<quint16, int>& listeners, const QStringList& words)
{
    const QString name = words.value(0);
    // "port" in the output is the command's second word read as a number, or 0.
    const quint16 port = quint16(words.value(1).toUInt());
    const auto report = [&](const auto& result, QJsonObject fields = {}) {
        fields.insert(u"port"_s, port);
        printOutcome(name, result ? nullptr : &result.error(), fields);
    };
    if (name == "listen"_L1) {
        const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        const int one = 1;
        sockaddr_in any {};
        any.sin_family = AF_INET;
        any.sin_port = htons(port);
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)); // connect from the port beside it
        const bool ok = bind(fd, reinterpret_cast<const sockaddr*>(&any), sizeof(any)) == 0 && ::listen(fd, 8) == 0;
        report(
            ok ? Result<bool>(true) : Result<bool>(makeError("probe.listen", QString::fromLocal8Bit(strerror(errno)))));
        listeners.insert(port, fd);
        auto* notifier = new QSocketNotifier(fd, QSocketNotifier::Read, qApp);
        QObject::connect(notifier, &QSocketNotifier::activated, qApp, [fd, port] {
            sockaddr_in from {};
            socklen_t length = sizeof(from);
            const int connection = accept4(fd, reinterpret_cast<sockaddr*>(&from), &length, SOCK_CLOEXEC);
            if (connection < 0)
                return;
            print(u"accepted"_s,
                { { u"port"_s, port },
                    { u"peer"_s,
                        TcpEndpoint { QHostAddress(ntohl(from.sin_addr.s_addr)), ntohs(from.sin_port) }.toString() } });
            exchange(connection, port);
        });
    } else if (name == "await"_L1) {
        auto* server = new TcpPunch(qApp);
        const auto listening = server->listen(port);
        report(listening);
        QObject::connect(server, &TcpPunch::succeeded, qApp, [server, port](const TcpEndpoint& peer) {
            print(u"accepted"_s, { { u"port"_s, port }, { u"peer"_s, peer.toString() } });
            exchange(server->takeSocket(), port);
        });
        QObject::connect(server, &TcpPunch::failed, qApp, [port](const QString& code, const QString& detail) {
            const Error error { code, detail };
            printOutcome(u"await"_s, &error, { { u"port"_s, port } });
        });
        server->start({ { QHostAddress(words.value(2)), 0 } }, 10000);
    } else if (name == "unlisten"_L1) {
        ::close(listeners.take(port));
        report(Result<bool>(true));
    } else if (name == "allow"_L1) {
        report(helper.allowTtcpPort(port));
    } else if (name == "capture"_L1) {
        const TcpEndpoint to = parseEndpoint(words.value(2));
        report(helper.armSynCapture(port, to.address, to.port));
    } else if (name == "connect"_L1) {
        report(connectFrom(port, words.value(2)));
    } else if (name == "take"_L1) {
        const auto syn = helper.takeSyn(port);
        report(syn, syn ? QJsonObject { { u"packet"_s, QString::fromLatin1(syn->toBase64()) } } : QJsonObject {});
    } else if (name == "inject"_L1) {
        report(helper.injectSyn(QByteArray::fromBase64(words.value(1).toLatin1())));
    } else if (name == "inject-relayed"_L1) {
        const auto packet = rewriteSynForInjection(QByteArray::fromBase64(words.value(1).toLatin1()),
            { QHostAddress(words.value(2)), 0 }, {}, quint16(words.value(3).toUInt()));
        report(packet ? helper.injectSyn(*packet) : Result<bool>(packet.error()));
    } else {
        const Error error { u"probe.unknown_command"_s, name };
        printOutcome(name, &error);
    }
}

int helperSession(HelperClient& helper)
{
    QMap<quint16, int> listeners;
    auto* input = new QSocketNotifier(STDIN_FILENO, QSocketNotifier::Read, qApp);
    QObject::connect(input, &QSocketNotifier::activated, qApp, [&] {
        char line[512];
        if (!std::fgets(line, sizeof(line), stdin)) {
            input->setEnabled(false);
            QTimer::singleShot(200, qApp, [] { QCoreApplication::exit(0); });
            return;
        }
        command(helper, listeners, QString::fromLatin1(line).simplified().split(u' '));
    });
    return QCoreApplication::exec();
}

} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    // Line-buffered stdin would hide lines from the notifier: read it unbuffered.
    std::setvbuf(stdin, nullptr, _IONBF, 0);
    const QStringList arguments = app.arguments().mid(1);
    const QString mode = arguments.value(0);
    if (mode == "punch"_L1)
        return punch(arguments.mid(1));
    if (mode != "ttcp-client"_L1 && mode != "helper"_L1) {
        std::fputs("usage: pvc-tcppunchprobe punch|ttcp-client|helper ... (see the source)\n", stderr);
        return 2;
    }
    HelperClient helper;
    QString error;
    if (!helper.connectTo(arguments.value(1), &error)) {
        const Error failure { error.section(u": "_s, 0, 0), error.section(u": "_s, 1) };
        printOutcome(u"connect-helper"_s, &failure);
        return 1;
    }
    return mode == "helper"_L1 ? helperSession(helper) : ttcpClient(helper, arguments.mid(2));
}
