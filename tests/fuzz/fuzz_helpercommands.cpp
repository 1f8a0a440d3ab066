// Fuzz target for pvc-helper's command handlers (helper/helperserver.cpp, helperttcp.cpp), not only their
// field checks (fuzz_helperrequests): a real HelperServer serving this process's own user runs its poll loop
// in a thread, and each input is the body of one request frame a client sends on its socket; the target reads
// the reply (closing any descriptor passed with it) or sees the connection closed. As root, as in the bench,
// the commands really make TUN devices, DNS sockets and captures: all in a network namespace of the target's
// own, which the process enters before the server starts. The client connects again every 200 requests and
// whenever the helper closes it, which releases what the connection held.
#include "fuzzrequire.h"
#include "helperserver.h"
#include "injectionguard.h"
#include "isolatedapp.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtEndian>
#include <cstdint>
#include <cstring>
#include <sys/socket.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>

using namespace pvc::helper;

namespace {

constexpr int RequestsPerConnection = 200;

struct World {
    QTemporaryDir dir;
    std::unique_ptr<HelperServer> server;
    int client = -1;
    int sent = 0;
    const bool verbose = qEnvironmentVariableIsSet("PVC_FUZZ_VERBOSE");

    World()
    {
        require(dir.isValid(), "a temporary folder");
        removedAtExit(dir.path());
        AccessPolicy policy;
        policy.uid = geteuid();
        policy.userGid = getegid();
        server = std::make_unique<HelperServer>(policy);
        QString error;
        require(server->listen(socketPath(), &error), qPrintable(error));
        // The injection guard in the target's own namespace, as pvc-helper installs it (root only).
        QString why = QStringLiteral("not root");
        server->setInjectionGuard(geteuid() == 0 && installInjectionGuard(&why), why);
        int never[2];
        require(pipe(never) == 0, "a pipe");
        // The server's loop for the whole run: its stop descriptor is never written to.
        std::thread([this, stop = never[0]] { server->run(stop); }).detach();
    }

    QString socketPath() const { return dir.filePath(QStringLiteral("helper.sock")); }

    void reconnect()
    {
        if (client >= 0)
            ::close(client);
        client = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un address {};
        address.sun_family = AF_UNIX;
        const QByteArray path = QFile::encodeName(socketPath());
        memcpy(address.sun_path, path.constData(), size_t(path.size()));
        require(
            ::connect(client, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0, "the helper accepts");
        const timeval wait { 2, 0 };
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof(wait));
        sent = 0;
    }

    // One reply frame, any descriptors closed; false when the helper closed the connection (or took over 2 s).
    bool readReply()
    {
        char header[4];
        char control[CMSG_SPACE(sizeof(int) * 4)];
        iovec part { header, sizeof(header) };
        msghdr message {};
        message.msg_iov = &part;
        message.msg_iovlen = 1;
        message.msg_control = control;
        message.msg_controllen = sizeof(control);
        if (recvmsg(client, &message, MSG_WAITALL | MSG_CMSG_CLOEXEC) != sizeof(header))
            return false;
        for (cmsghdr* c = CMSG_FIRSTHDR(&message); c; c = CMSG_NXTHDR(&message, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                for (size_t i = 0; i < count; ++i) {
                    int fd;
                    memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
                    ::close(fd);
                }
            }
        }
        QByteArray body(qFromBigEndian<quint32>(header), Qt::Uninitialized);
        const bool whole = body.isEmpty() || recv(client, body.data(), size_t(body.size()), MSG_WAITALL) == body.size();
        if (verbose)
            std::fprintf(stderr, "fuzz_helpercommands: the helper said %s\n", body.left(300).constData());
        return whole;
    }

    void request(const QByteArray& body)
    {
        if (client < 0 || sent >= RequestsPerConnection)
            reconnect();
        ++sent;
        QByteArray frame(4, Qt::Uninitialized);
        qToBigEndian<quint32>(quint32(body.size()), frame.data());
        frame += body;
        if (send(client, frame.constData(), size_t(frame.size()), MSG_NOSIGNAL) != frame.size() || !readReply())
            reconnect();
    }
};

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    startIsolatedApplication("fuzz_helpercommands");
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size > 4096) // the helper's frame limit (docs/helper.md, "Frames")
        return 0;
    // Never destroyed: its threads (and Qt's) may still run while the process exits.
    static World* world = new World;
    world->request(QByteArray(reinterpret_cast<const char*>(data), qsizetype(size)));
    return 0;
}
