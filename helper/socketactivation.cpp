#include "socketactivation.h"

#include <cstdlib>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace pvc::helper {

namespace {
constexpr int FirstPassedFd = 3; // SD_LISTEN_FDS_START
} // namespace

int activatedSocket(QString* error)
{
    const QByteArray pid = qgetenv("LISTEN_PID");
    const QByteArray count = qgetenv("LISTEN_FDS");
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
    bool pidOk = false;
    if (pid.isEmpty() || pid.toLongLong(&pidOk) != getpid() || !pidOk)
        return -1; // not for us (a parent's), or none
    if (count != "1") {
        *error = QStringLiteral("socket activation passed %1 sockets; pvc-helper takes exactly one")
                     .arg(QString::fromLatin1(count));
        return -2;
    }
    int type = 0, listening = 0;
    sockaddr_storage address {};
    socklen_t typeSize = sizeof(type), listeningSize = sizeof(listening), addressSize = sizeof(address);
    if (getsockopt(FirstPassedFd, SOL_SOCKET, SO_TYPE, &type, &typeSize) != 0
        || getsockopt(FirstPassedFd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &listeningSize) != 0
        || getsockname(FirstPassedFd, reinterpret_cast<sockaddr*>(&address), &addressSize) != 0
        || address.ss_family != AF_UNIX || type != SOCK_STREAM || !listening) {
        *error = QStringLiteral("the socket passed by socket activation is not a listening Unix stream socket");
        return -2;
    }
    fcntl(FirstPassedFd, F_SETFD, FD_CLOEXEC);
    fcntl(FirstPassedFd, F_SETFL, fcntl(FirstPassedFd, F_GETFL) | O_NONBLOCK);
    return FirstPassedFd;
}

} // namespace pvc::helper
