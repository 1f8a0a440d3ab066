// A client of pvc-helper for tst_helper. The test runs it as another user inside a network
// namespace; it runs its steps in order and prints one JSON line per step with what it saw.
//
//   pvc-helperprobe SOCKET STEP...
//     hello                            connect (first client step does) and say hello
//     open-tun:NAME:ADDRESS:PREFIX:MTU open-dns:ADDRESS   close:NAME
//     persist:NAME                     as a hostile caller would: make that TUN persistent, owned by us
//     helper-close:NAME                ask the helper to close NAME, keeping our own copy of its fd
//     read-packet:NAME                 wait up to 5 s for an IPv4 packet on that TUN; print its destination
//     wait                             read one line from stdin
//     hold                             keep everything open until stdin closes
//     raw:oversized|garbage|unknown    on a new connection, send a bad request; print the reply and
//                                      whether the helper then closed the connection
#include "connectivity/helperclient.h"
#include "ipc/frame.h"

#include <QByteArray>
#include <QFile>
#include <QHostAddress>
#include <QJsonDocument>
#include <QMap>
#include <QtEndian>
#include <cstdio>
#include <linux/if_tun.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using pvc::core::HelperClient;

namespace {

void print(QJsonObject line)
{
    std::fputs(QJsonDocument(line).toJson(QJsonDocument::Compact).append('\n').constData(), stdout);
    std::fflush(stdout);
}

QJsonObject failure(const QString& step, const QString& code, const QString& detail)
{
    return { { QStringLiteral("step"), step }, { QStringLiteral("ok"), false }, { QStringLiteral("code"), code },
        { QStringLiteral("detail"), detail } };
}

QJsonObject success(const QString& step, QJsonObject fields = {})
{
    fields.insert(QStringLiteral("step"), step);
    fields.insert(QStringLiteral("ok"), true);
    return fields;
}

template <typename T> QJsonObject outcome(const QString& step, const pvc::core::Result<T>& result)
{
    return result ? success(step) : failure(step, result.error().code, result.error().detail);
}

QJsonObject readPacket(const QString& step, int fd)
{
    for (int waited = 0; waited < 5000; waited += 100) {
        pollfd entry { fd, POLLIN, 0 };
        if (poll(&entry, 1, 100) <= 0)
            continue;
        unsigned char packet[65536];
        const ssize_t n = read(fd, packet, sizeof(packet));
        if (n >= 20 && packet[0] >> 4 == 4) // skip anything but IPv4 (e.g. IPv6 router solicitations)
            return success(step,
                { { QStringLiteral("dst"), QHostAddress(qFromBigEndian<quint32>(packet + 16)).toString() },
                    { QStringLiteral("protocol"), int(packet[9]) } });
    }
    return failure(step, QStringLiteral("probe.no_packet"), QStringLiteral("no IPv4 packet within 5 s"));
}

QJsonObject rawRequest(const QString& step, const QString& socketPath, const QString& kind)
{
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address {};
    address.sun_family = AF_UNIX;
    const QByteArray path = QFile::encodeName(socketPath);
    memcpy(address.sun_path, path.constData(), qMin<size_t>(size_t(path.size()), sizeof(address.sun_path) - 1));
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
        close(fd);
        return failure(step, QStringLiteral("helper.unreachable"), QString::fromLocal8Bit(strerror(errno)));
    }
    QByteArray request;
    if (kind == QLatin1String("oversized")) // declares 1 MiB and really sends it, as far as the helper reads
        request = QByteArray::fromHex("00100000") + QByteArray(1 << 20, 'x');
    else if (kind == QLatin1String("garbage"))
        request = QByteArray::fromHex("00000009") + "not json!";
    else
        request = pvc::ipc::encodeFrame(pvc::ipc::makeMessage("format-disk"));
    (void)send(fd, request.constData(), size_t(request.size()), MSG_NOSIGNAL);

    pvc::ipc::FrameReader reader;
    QJsonObject reply;
    bool closed = false;
    for (int waited = 0; waited < 5000 && !closed; waited += 100) {
        pollfd entry { fd, POLLIN, 0 };
        if (poll(&entry, 1, 100) <= 0) {
            if (!reply.isEmpty() && waited >= 1000)
                break; // a second of silence after the reply: the connection stays open
            continue;
        }
        char buffer[4096];
        const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
        closed = n <= 0;
        reader.append(QByteArray(buffer, qMax<qsizetype>(n, 0)));
        if (reply.isEmpty())
            reader.next(&reply);
    }
    close(fd);
    QJsonObject result
        = failure(step, reply.value(QLatin1String("code")).toString(), reply.value(QLatin1String("detail")).toString());
    result.insert(QStringLiteral("closed"), closed);
    return result;
}

} // namespace

int main(int argc, char* argv[])
{
    if (argc < 3) {
        std::fputs("usage: pvc-helperprobe SOCKET STEP...\n", stderr);
        return 2;
    }
    const QString socketPath = QString::fromLocal8Bit(argv[1]);
    HelperClient client;
    QMap<QString, int> tuns;
    for (int i = 2; i < argc; ++i) {
        const QStringList step = QString::fromLocal8Bit(argv[i]).split(QLatin1Char(':'));
        const QString name = step.value(0);
        if (name == QLatin1String("raw")) {
            print(rawRequest(QString::fromLocal8Bit(argv[i]), socketPath, step.value(1)));
            continue;
        }
        if (name == QLatin1String("wait") || name == QLatin1String("hold")) {
            print(success(name));
            char line[64];
            while (std::fgets(line, sizeof(line), stdin) && name == QLatin1String("hold")) { }
            continue;
        }
        if (!client.isConnected()) {
            QString error;
            if (!client.connectTo(socketPath, &error)) {
                print(failure(QStringLiteral("connect"), error.section(QStringLiteral(": "), 0, 0),
                    error.section(QStringLiteral(": "), 1)));
                return 1;
            }
            print(success(QStringLiteral("connect")));
        }
        if (name == QLatin1String("hello")) {
            print(success(name));
        } else if (name == QLatin1String("open-tun")) {
            const auto fd = client.openTun(step.value(1), step.value(2), step.value(3).toInt(), step.value(4).toInt());
            if (fd)
                tuns.insert(step.value(1), *fd);
            print(outcome(name, fd));
        } else if (name == QLatin1String("open-dns")) {
            const auto fd = client.openDnsSocket(step.value(1));
            print(outcome(name, fd)); // the socket stays open (and bound) until the probe exits
        } else if (name == QLatin1String("close")) {
            if (tuns.contains(step.value(1)))
                close(tuns.take(step.value(1)));
            print(client.close(step.value(1)) ? success(name) : failure(name, QStringLiteral("helper.error"), {}));
        } else if (name == QLatin1String("helper-close")) {
            print(client.close(step.value(1)) ? success(name) : failure(name, QStringLiteral("helper.error"), {}));
        } else if (name == QLatin1String("persist")) {
            const int fd = tuns.value(step.value(1), -1);
            const bool done = ioctl(fd, TUNSETPERSIST, 1) == 0 && ioctl(fd, TUNSETOWNER, getuid()) == 0;
            print(done ? success(name)
                       : failure(name, QStringLiteral("probe.ioctl"), QString::fromLocal8Bit(strerror(errno))));
        } else if (name == QLatin1String("read-packet")) {
            print(readPacket(name, tuns.value(step.value(1), -1)));
        } else {
            print(failure(name, QStringLiteral("probe.unknown_step"), {}));
        }
    }
    return 0;
}
