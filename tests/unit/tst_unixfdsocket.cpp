// UnixFdSocket, the transport under HelperClient, against a plain Unix listener in the test: the bytes
// and the first passed descriptor arrive, further descriptors are closed rather than leaked into pvcd,
// a silent peer times out at the deadline, and a closed peer is told apart from a silent one.
#include "connectivity/helperclient.h"
#include "connectivity/unixfdsocket.h"

#include <QDir>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTest>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>

using pvc::core::UnixFdSocket;
using Status = UnixFdSocket::Received::Status;

namespace {

int openDescriptors()
{
    return int(QDir(QStringLiteral("/proc/self/fd")).entryList(QDir::Files | QDir::System).size());
}

// Sends bytes with descriptors as SCM_RIGHTS ancillary data, as pvc-helper does.
void sendWithDescriptors(int socket, const QByteArray& bytes, const QList<int>& fds)
{
    iovec iov { const_cast<char*>(bytes.constData()), size_t(bytes.size()) };
    alignas(cmsghdr) char control[CMSG_SPACE(4 * sizeof(int))] = {};
    msghdr header {};
    header.msg_iov = &iov;
    header.msg_iovlen = 1;
    if (!fds.isEmpty()) {
        header.msg_control = control;
        header.msg_controllen = CMSG_SPACE(fds.size() * sizeof(int));
        cmsghdr* c = CMSG_FIRSTHDR(&header);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(fds.size() * sizeof(int));
        memcpy(CMSG_DATA(c), fds.constData(), fds.size() * sizeof(int));
    }
    QCOMPARE(sendmsg(socket, &header, MSG_NOSIGNAL), ssize_t(bytes.size()));
}

bool sameFile(int a, int b)
{
    struct stat sa {
    }, sb {};
    return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

} // namespace

class TestUnixFdSocket : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        QVERIFY(m_dir.isValid());
        m_path = m_dir.filePath(QStringLiteral("helper.sock"));
        m_listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un address {};
        address.sun_family = AF_UNIX;
        const QByteArray path = QFile::encodeName(m_path);
        memcpy(address.sun_path, path.constData(), size_t(path.size()));
        ::unlink(path.constData());
        QCOMPARE(bind(m_listener, reinterpret_cast<const sockaddr*>(&address), sizeof(address)), 0);
        QCOMPARE(listen(m_listener, 1), 0);
        m_before = openDescriptors();
        QString error;
        QVERIFY2(m_client.connectTo(m_path, &error), qPrintable(error));
        m_server = accept4(m_listener, nullptr, nullptr, SOCK_CLOEXEC);
        QVERIFY(m_server >= 0);
    }

    void cleanup()
    {
        m_client.close();
        ::close(m_server);
        ::close(m_listener);
    }

    void bytesAndFirstDescriptorArrive()
    {
        int pipeFds[2];
        QCOMPARE(pipe2(pipeFds, O_CLOEXEC), 0);
        sendWithDescriptors(m_server, "tun-opened", { pipeFds[1], pipeFds[0] });
        const UnixFdSocket::Received received = m_client.receive(4096, QDeadlineTimer(2000));
        QCOMPARE(received.status, Status::Data);
        QCOMPARE(received.data, QByteArray("tun-opened"));
        const int passed = m_client.takeDescriptor();
        QVERIFY(passed >= 0);
        QVERIFY(sameFile(passed, pipeFds[1]));
        QCOMPARE(m_client.takeDescriptor(), -1); // taken once
        // The second descriptor was closed: apart from our pipe and the connection, one more is open.
        ::close(pipeFds[0]);
        ::close(pipeFds[1]);
        QCOMPARE(openDescriptors(), m_before + 1 /* client */ + 1 /* server */ + 1 /* passed */);
        ::close(passed);
    }

    void untakenDescriptorClosedWithSocket()
    {
        int pipeFds[2];
        QCOMPARE(pipe2(pipeFds, O_CLOEXEC), 0);
        sendWithDescriptors(m_server, "x", { pipeFds[0] });
        ::close(pipeFds[0]);
        ::close(pipeFds[1]);
        QCOMPARE(m_client.receive(4096, QDeadlineTimer(2000)).status, Status::Data);
        QCOMPARE(openDescriptors(), m_before + 3);
        m_client.close();
        QVERIFY(!m_client.isOpen());
        QCOMPARE(openDescriptors(), m_before + 1);
    }

    void readsAtMostMaxBytes()
    {
        sendWithDescriptors(m_server, "0123456789", {});
        QCOMPARE(m_client.receive(4, QDeadlineTimer(2000)).data, QByteArray("0123"));
        QCOMPARE(m_client.receive(4096, QDeadlineTimer(2000)).data, QByteArray("456789"));
    }

    void silentPeerTimesOut()
    {
        QElapsedTimer clock;
        clock.start();
        QCOMPARE(m_client.receive(4096, QDeadlineTimer(150)).status, Status::TimedOut);
        QVERIFY(clock.elapsed() >= 140);
        QVERIFY(clock.elapsed() < 2000);
    }

    void closedPeerIsNotSilence()
    {
        ::close(m_server);
        m_server = -1;
        QCOMPARE(m_client.receive(4096, QDeadlineTimer(2000)).status, Status::Closed);
    }

    void sendAllArrives()
    {
        const QByteArray request(100000, 'r'); // more than one socket buffer's worth
        QByteArray got;
        std::thread reader([&] {
            char buffer[8192];
            while (got.size() < request.size()) {
                const ssize_t n = ::read(m_server, buffer, sizeof(buffer));
                if (n <= 0)
                    break;
                got.append(buffer, n);
            }
        });
        QCOMPARE(m_client.sendAll(request, QDeadlineTimer(5000)), UnixFdSocket::Sent::All);
        reader.join();
        QCOMPARE(got, request);
    }

    void badPathRefused()
    {
        UnixFdSocket socket;
        QString error;
        QVERIFY(!socket.connectTo(QString(200, QLatin1Char('p')), &error));
        QVERIFY2(error.startsWith(QLatin1String("bad socket path")), qPrintable(error));
        QVERIFY(!socket.connectTo(m_dir.filePath(QStringLiteral("nobody.sock")), &error));
        QVERIFY(!socket.isOpen());
    }

    // Issue 15: pvcd checks its helper. The peer's uid is the listener's (this test's); a helper that is
    // not root is refused by HelperClient::connectTo (the lab test tst_helper shows it end to end).
    void peerUidIsTheListeners()
    {
        QString error;
        QVERIFY2(m_client.connectTo(m_path, &error), qPrintable(error));
        QCOMPARE(m_client.peerUid(), qint64(::getuid()));
        UnixFdSocket closed;
        QCOMPARE(closed.peerUid(), qint64(-1));
    }

    // What a helper passes is checked: neither a socketpair nor a UDP socket on another port passes for a TUN
    // device or a DNS socket.
    void passedDescriptorsAreChecked()
    {
        int pair[2];
        QCOMPARE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
        QVERIFY(!pvc::core::HelperClient::isTunNamed(pair[0], QStringLiteral("pvc0")));
        QVERIFY(!pvc::core::HelperClient::isDnsSocketOn(pair[0], QStringLiteral("127.0.0.1")));
        ::close(pair[0]);
        ::close(pair[1]);
        const int udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_in local {};
        local.sin_family = AF_INET;
        local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        QCOMPARE(bind(udp, reinterpret_cast<const sockaddr*>(&local), sizeof(local)), 0);
        QVERIFY(!pvc::core::HelperClient::isDnsSocketOn(udp, QStringLiteral("127.0.0.1"))); // not port 53
        QVERIFY(!pvc::core::HelperClient::isTunNamed(udp, QStringLiteral("pvc0")));
        ::close(udp);
    }

private:
    QTemporaryDir m_dir;
    QString m_path;
    int m_listener = -1;
    int m_server = -1;
    int m_before = 0;
    UnixFdSocket m_client;
};

QTEST_GUILESS_MAIN(TestUnixFdSocket)
#include "tst_unixfdsocket.moc"
