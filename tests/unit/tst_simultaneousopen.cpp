// TcpPunch (core/connectivity/tcppunch.h) on loopback, without root: two punchers find each other,
// give up cleanly with an error code, and close connections from addresses they were not told about.
// Through real NATs: tests/lab/tst_tcppunch.cpp.
#include "connectivity/tcppunch.h"

#include <QSignalSpy>
#include <QTest>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace Qt::StringLiterals;
using pvc::core::TcpEndpoint;
using pvc::core::TcpPunch;

namespace {

const QHostAddress loopback(QHostAddress::LocalHost);

// A port nothing listens on: bound, then closed.
quint16 closedPort()
{
    TcpPunch probe;
    return *probe.listen();
}

// Writes text on one socket and reads it on the other, 2 s at most.
QByteArray across(int from, int to, const QByteArray& text)
{
    if (write(from, text.constData(), size_t(text.size())) != text.size())
        return {};
    pollfd entry { to, POLLIN, 0 };
    if (poll(&entry, 1, 2000) != 1)
        return {};
    char buffer[256];
    const ssize_t n = read(to, buffer, sizeof(buffer));
    return n > 0 ? QByteArray(buffer, n) : QByteArray();
}

} // namespace

class TstSimultaneousOpen : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void twoPunchersMeet();
    void givesUpWithTimeout();
    void refusesBadStarts();
    void closesStrangers();
    void withoutRetriesOneFailureEndsIt();
    void acceptsOnlyFromAPortZeroCandidate();
};

void TstSimultaneousOpen::twoPunchersMeet()
{
    TcpPunch alice, bob;
    const auto alicePort = alice.listen();
    const auto bobPort = bob.listen();
    QVERIFY(alicePort && bobPort);
    QSignalSpy aliceDone(&alice, &TcpPunch::succeeded);
    QSignalSpy bobDone(&bob, &TcpPunch::succeeded);
    // Bob also gets a candidate that leads nowhere, as a stale LAN address would.
    alice.start({ { loopback, *bobPort } });
    bob.start({ { QHostAddress(u"127.0.0.9"_s), closedPort() }, { loopback, *alicePort } });
    QTRY_COMPARE_WITH_TIMEOUT(aliceDone.size() + bobDone.size(), 2, 5000);
    QCOMPARE(aliceDone.first().first().value<TcpEndpoint>(), (TcpEndpoint { loopback, *bobPort }));
    QCOMPARE(bobDone.first().first().value<TcpEndpoint>(), (TcpEndpoint { loopback, *alicePort }));

    const int a = alice.takeSocket();
    const int b = bob.takeSocket();
    QVERIFY(a >= 0 && b >= 0);
    QCOMPARE(alice.takeSocket(), -1); // taken once
    QCOMPARE(across(a, b, "hello bob"), QByteArray("hello bob"));
    QCOMPARE(across(b, a, "hello alice"), QByteArray("hello alice"));
    ::close(a);
    ::close(b);
}

void TstSimultaneousOpen::givesUpWithTimeout()
{
    TcpPunch punch;
    QVERIFY(punch.listen());
    QSignalSpy failed(&punch, &TcpPunch::failed);
    QElapsedTimer clock;
    clock.start();
    punch.start({ { loopback, closedPort() } }, 800);
    QVERIFY(failed.wait(3000));
    QVERIFY(clock.elapsed() >= 700);
    QCOMPARE(failed.first().at(0).toString(), u"tcppunch.timeout"_s);
    const QString detail = failed.first().at(1).toString();
    QVERIFY2(detail.contains("Connection refused"_L1), qPrintable(detail));
    // Rate-limited: one connect() per 250 ms, not a flood.
    const int tries = detail.section("127.0.0.1:"_L1, 1).section(u'(', 1).section(u' ', 0, 0).toInt();
    QVERIFY2(tries >= 2 && tries <= 5, qPrintable(detail));
    QVERIFY(!punch.isRunning());
    QCOMPARE(punch.takeSocket(), -1);
}

void TstSimultaneousOpen::refusesBadStarts()
{
    TcpPunch notListening;
    QSignalSpy failed(&notListening, &TcpPunch::failed);
    notListening.start({ { loopback, 9 } });
    QCOMPARE(failed.size(), 0); // never from inside start()
    QVERIFY(failed.wait(1000));
    QCOMPARE(failed.first().first().toString(), u"tcppunch.not_listening"_s);

    TcpPunch noCandidates;
    QVERIFY(noCandidates.listen());
    QSignalSpy failedToo(&noCandidates, &TcpPunch::failed);
    noCandidates.start({ { QHostAddress(u"::1"_s), 9 } });
    QVERIFY(failedToo.wait(1000));
    QCOMPARE(failedToo.first().first().toString(), u"tcppunch.no_candidates"_s);

    // A port someone else holds without SO_REUSEPORT cannot be shared.
    const int holder = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    QVERIFY(bind(holder, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 && ::listen(holder, 1) == 0);
    QVERIFY(getsockname(holder, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    TcpPunch taken;
    const auto result = taken.listen(ntohs(address.sin_port));
    ::close(holder);
    QVERIFY(!result);
    QCOMPARE(result.error().code, u"tcppunch.listen_failed"_s);
}

void TstSimultaneousOpen::closesStrangers()
{
    TcpPunch punch;
    const auto port = punch.listen();
    QVERIFY(port);
    QSignalSpy failed(&punch, &TcpPunch::failed);
    QSignalSpy succeeded(&punch, &TcpPunch::succeeded);
    punch.start({ { QHostAddress(u"127.0.0.9"_s), closedPort() } }, 1000);

    // 127.0.0.1 is not a candidate: its connection is accepted by the kernel, then closed by us.
    const int stranger = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in to {};
    to.sin_family = AF_INET;
    to.sin_port = htons(*port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    QCOMPARE(::connect(stranger, reinterpret_cast<const sockaddr*>(&to), sizeof(to)), 0);
    pollfd entry { stranger, POLLIN, 0 };
    QTRY_VERIFY_WITH_TIMEOUT(poll(&entry, 1, 0) == 1, 2000);
    char byte;
    QVERIFY(read(stranger, &byte, 1) <= 0); // end of stream or reset
    ::close(stranger);

    QVERIFY(failed.wait(3000));
    QCOMPARE(succeeded.size(), 0);
    QVERIFY(failed.first().at(1).toString().contains("1 connections from other addresses closed"_L1));
}

void TstSimultaneousOpen::withoutRetriesOneFailureEndsIt()
{
    TcpPunch punch;
    QVERIFY(punch.listen());
    punch.setRetry(false);
    QSignalSpy failed(&punch, &TcpPunch::failed);
    QElapsedTimer clock;
    clock.start();
    punch.start({ { loopback, closedPort() } }, 5000);
    QVERIFY(failed.wait(3000));
    QVERIFY(clock.elapsed() < 1000);
    QCOMPARE(failed.first().first().toString(), u"tcppunch.failed"_s);
    QVERIFY(failed.first().at(1).toString().contains("1 connect() calls"_L1));
}

void TstSimultaneousOpen::acceptsOnlyFromAPortZeroCandidate()
{
    // The Traversing-TCP server's side: no connect() of its own, a connection from the client's address.
    TcpPunch server;
    const auto port = server.listen();
    QVERIFY(port);
    server.setRetry(false);
    QSignalSpy succeeded(&server, &TcpPunch::succeeded);
    server.start({ { loopback, 0 } }, 3000);
    const int client = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in to {};
    to.sin_family = AF_INET;
    to.sin_port = htons(*port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    QCOMPARE(::connect(client, reinterpret_cast<const sockaddr*>(&to), sizeof(to)), 0);
    QVERIFY(succeeded.wait(2000));
    QCOMPARE(succeeded.first().first().value<TcpEndpoint>().address, loopback);
    const int accepted = server.takeSocket();
    QCOMPARE(across(client, accepted, "syn relayed"), QByteArray("syn relayed"));
    ::close(accepted);
    ::close(client);
}

QTEST_GUILESS_MAIN(TstSimultaneousOpen)
#include "tst_simultaneousopen.moc"
