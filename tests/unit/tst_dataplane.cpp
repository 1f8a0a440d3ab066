#include "tunnel/dataplane.h"

#include <QCryptographicHash>
#include <QTest>
#include <arpa/inet.h>
#include <atomic>
#include <mutex>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace pvc::core;

// Heap allocations made on a data-plane thread: malloc() itself is counted, so Qt, the C++ runtime and
// OpenSSL are all seen. A thread counts once a CountingFilter has run on it, which only happens on a
// data-plane thread. AddressSanitizer and ThreadSanitizer own malloc() in their builds: there it is skipped.
namespace {
thread_local bool t_onDataPlane = false;
std::atomic<long> g_dataPlaneAllocations { 0 };
} // namespace

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
static constexpr bool CountingAllocations = false;
#else
static constexpr bool CountingAllocations = true;
extern "C" {
void* __libc_malloc(size_t size);
void* __libc_calloc(size_t count, size_t size);
void* __libc_realloc(void* pointer, size_t size);
void __libc_free(void* pointer);

void* malloc(size_t size) noexcept
{
    if (t_onDataPlane)
        ++g_dataPlaneAllocations;
    return __libc_malloc(size);
}

void* calloc(size_t count, size_t size) noexcept
{
    if (t_onDataPlane)
        ++g_dataPlaneAllocations;
    return __libc_calloc(count, size);
}

void* realloc(void* pointer, size_t size) noexcept
{
    if (t_onDataPlane)
        ++g_dataPlaneAllocations;
    return __libc_realloc(pointer, size);
}

void free(void* pointer) noexcept
{
    __libc_free(pointer);
}
}
#endif

namespace {

constexpr quint32 AliceIp = 0xf0090002; // 240.9.0.2
constexpr quint32 BobIp = 0xf0090003; // 240.9.0.3
constexpr quint32 AliceIndex = 0xa1; // alice's index for her session with bob
constexpr quint32 BobIndex = 0xb1;

QByteArray fakeExporter(QByteArray label, QByteArray context, int length)
{
    QByteArray out;
    while (out.size() < length)
        out += QCryptographicHash::hash(
            "dataplane-test/" + label + '/' + context + QByteArray::number(out.size()), QCryptographicHash::Sha256);
    return out.left(length);
}

quint16 checksum(const QByteArray& bytes)
{
    quint32 sum = 0;
    for (qsizetype i = 0; i + 1 < bytes.size(); i += 2)
        sum += quint32(quint8(bytes[i])) << 8 | quint8(bytes[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return quint16(~sum);
}

void put16(QByteArray& bytes, int at, quint16 value)
{
    bytes[at] = char(value >> 8);
    bytes[at + 1] = char(value);
}

void put32(QByteArray& bytes, int at, quint32 value)
{
    put16(bytes, at, quint16(value >> 16));
    put16(bytes, at + 2, quint16(value));
}

// An IPv4/UDP packet with a valid header checksum (RFC 791, RFC 768; UDP checksum 0: none).
QByteArray udpPacket(quint32 source, quint32 destination, const QByteArray& payload)
{
    QByteArray packet(28, '\0');
    packet[0] = 0x45;
    put16(packet, 2, quint16(28 + payload.size()));
    put16(packet, 4, 0x1234);
    packet[8] = 64; // TTL
    packet[9] = 17; // UDP
    put32(packet, 12, source);
    put32(packet, 16, destination);
    put16(packet, 10, checksum(packet.left(20)));
    put16(packet, 20, 40000);
    put16(packet, 22, 9);
    put16(packet, 24, quint16(8 + payload.size()));
    return packet + payload;
}

sockaddr_in loopback(quint16 port = 0)
{
    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    return address;
}

int boundUdpSocket(sockaddr_in* address)
{
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    *address = loopback();
    socklen_t length = sizeof *address;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(address), sizeof *address) != 0
        || ::getsockname(fd, reinterpret_cast<sockaddr*>(address), &length) != 0)
        qFatal("cannot bind a UDP socket on 127.0.0.1");
    return fd;
}

// Waits for one datagram (or packet) on fd; empty on timeout.
QByteArray receive(int fd, int timeoutMs = 2000, sockaddr_in* from = nullptr)
{
    pollfd poller { fd, POLLIN, 0 };
    if (::poll(&poller, 1, timeoutMs) != 1)
        return {};
    QByteArray buffer(70000, Qt::Uninitialized);
    sockaddr_in source {};
    socklen_t length = sizeof source;
    const ssize_t size
        = ::recvfrom(fd, buffer.data(), std::size_t(buffer.size()), 0, reinterpret_cast<sockaddr*>(&source), &length);
    if (from)
        *from = source;
    return size < 0 ? QByteArray() : buffer.left(size);
}

void sendTo(int fd, const QByteArray& bytes, const sockaddr_in& to)
{
    ::sendto(fd, bytes.constData(), std::size_t(bytes.size()), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
}

// One host: a data plane over a socketpair standing in for the TUN device and a real UDP socket.
struct Host {
    int tun[2] = { -1, -1 }; // [0] the data plane's end, [1] the "kernel" end the test uses
    int udp = -1;
    sockaddr_in address {};
    std::unique_ptr<DataPlane> plane;
    std::mutex mutex;
    QList<QPair<QByteArray, quint16>> foreign; // datagram, source port

    Host()
    {
        if (::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, tun) != 0)
            qFatal("socketpair");
        udp = boundUdpSocket(&address);
        DataPlane::Config config;
        config.tunFd = tun[0];
        config.udpFd = udp;
        config.onForeignDatagram = [this](const QByteArray& datagram, const sockaddr_in& from) {
            const std::lock_guard lock(mutex);
            foreign.append({ datagram, ntohs(from.sin_port) });
        };
        plane = std::make_unique<DataPlane>(std::move(config));
    }
    ~Host()
    {
        plane.reset(); // stops the thread before its descriptors go
        ::close(tun[0]);
        ::close(tun[1]);
        ::close(udp);
    }
    void writeTun(const QByteArray& packet) { ::send(tun[1], packet.constData(), std::size_t(packet.size()), 0); }
    QByteArray readTun(int timeoutMs = 2000) { return receive(tun[1], timeoutMs); }
    int foreignCount()
    {
        const std::lock_guard lock(mutex);
        return int(foreign.size());
    }
    PeerStats peer()
    {
        const auto stats = plane->stats();
        return stats.peers.isEmpty() ? PeerStats() : stats.peers.first();
    }
    quint64 peerDrops(DropReason reason) { return peer().drops[std::size_t(reason)]; }
    quint64 globalDrops(DropReason reason) { return plane->stats().drops[std::size_t(reason)]; }
};

PeerConfig peerConfig(bool alice, const sockaddr_in& endpoint)
{
    PeerConfig config;
    config.name = alice ? QStringLiteral("bob") : QStringLiteral("alice"); // the peer's name
    config.virtualIp = alice ? BobIp : AliceIp;
    config.localIndex = alice ? AliceIndex : BobIndex;
    config.remoteIndex = alice ? BobIndex : AliceIndex;
    config.exporter = fakeExporter;
    config.isClient = alice;
    config.endpoint = endpoint;
    return config;
}

// The next datagram on a tap socket of the given type, skipping probes and keepalives.
QByteArray nextOfType(int fd, quint8 type, int prefixBytes = 0)
{
    for (int i = 0; i < 10; ++i) {
        const QByteArray datagram = receive(fd);
        if (datagram.isEmpty())
            return {};
        if (datagram.size() > prefixBytes && quint8(datagram[prefixBytes]) == type)
            return datagram;
    }
    return {};
}

class CountingFilter final : public PacketFilter {
public:
    bool allowOutbound(const std::uint8_t*, std::size_t, const PeerRef&) override { return t_onDataPlane = true; }
    bool allowInbound(const std::uint8_t*, std::size_t, const PeerRef&) override { return t_onDataPlane = true; }
};

class DenyFilter final : public PacketFilter {
public:
    bool outbound = true;
    bool inbound = true;
    bool allowOutbound(const std::uint8_t*, std::size_t, const PeerRef&) override { return outbound; }
    bool allowInbound(const std::uint8_t*, std::size_t, const PeerRef&) override { return inbound; }
};

} // namespace

class TestDataPlane : public QObject {
    Q_OBJECT

    std::unique_ptr<Host> m_alice;
    std::unique_ptr<Host> m_bob;

private Q_SLOTS:
    void init()
    {
        m_alice = std::make_unique<Host>();
        m_bob = std::make_unique<Host>();
        Error error;
        QVERIFY2(m_bob->plane->addPeer(peerConfig(false, m_alice->address), &error), qPrintable(error.detail));
        QVERIFY2(m_alice->plane->addPeer(peerConfig(true, m_bob->address), &error), qPrintable(error.detail));
        QVERIFY(m_alice->plane->start(&error));
        QVERIFY(m_bob->plane->start(&error));
        // Each end probes the other as soon as it has the peer. Once both probes came back, nothing
        // is in flight that a test could mistake for its own traffic.
        QTRY_VERIFY(m_alice->peer().rttUs >= 0 && m_bob->peer().rttUs >= 0);
    }

    void cleanup()
    {
        m_alice.reset();
        m_bob.reset();
    }

    void packetCrossesTheTunnel()
    {
        const QByteArray packet = udpPacket(AliceIp, BobIp, "hello from alice");
        m_alice->writeTun(packet);
        QCOMPARE(m_bob->readTun(), packet);
        const QByteArray reply = udpPacket(BobIp, AliceIp, QByteArray(1300, 'r'));
        m_bob->writeTun(reply);
        QCOMPARE(m_alice->readTun(), reply);

        QTRY_VERIFY(m_alice->peer().packetsOut >= 1 && m_bob->peer().packetsIn >= 1);
        QVERIFY(m_bob->peer().bytesIn >= quint64(packet.size() + 32));
        QVERIFY(m_bob->peer().lastReceivedAgoMs >= 0);
        QCOMPARE(ntohs(m_bob->peer().lastDirectSource.sin_port), ntohs(m_alice->address.sin_port));
        for (std::size_t reason = 0; reason < std::size_t(DropReason::Count); ++reason) {
            QCOMPARE(m_alice->peer().drops[reason], 0u);
            QCOMPARE(m_bob->peer().drops[reason], 0u);
        }
    }

    void aBatchArrivesWhole()
    {
        QList<QByteArray> sent;
        for (int i = 0; i < 100; ++i) {
            sent.append(udpPacket(AliceIp, BobIp, QByteArray::number(i).repeated(50)));
            m_alice->writeTun(sent.last());
        }
        for (int i = 0; i < 100; ++i)
            QCOMPARE(m_bob->readTun(), sent[i]);
    }

    void spoofedSourceDropped()
    {
        // Alice's session with bob is authenticated, but the packet claims another member's address.
        m_alice->writeTun(udpPacket(0xf0090007, BobIp, "not really from alice"));
        QTRY_COMPARE(m_bob->peerDrops(DropReason::SpoofedSource), 1u);
        QVERIFY(m_bob->readTun(200).isEmpty());
        // The session itself is fine.
        const QByteArray genuine = udpPacket(AliceIp, BobIp, "really from alice");
        m_alice->writeTun(genuine);
        QCOMPARE(m_bob->readTun(), genuine);
    }

    void replayedDatagramDropped()
    {
        // Alice's datagrams go to a tap first, which passes one on twice.
        sockaddr_in tapAddress;
        const int tap = boundUdpSocket(&tapAddress);
        QVERIFY(m_alice->plane->setEndpoint(AliceIndex, tapAddress, false));
        const QByteArray packet = udpPacket(AliceIp, BobIp, "once only");
        m_alice->writeTun(packet);
        const QByteArray datagram = nextOfType(tap, 1);
        QVERIFY(!datagram.isEmpty());
        QCOMPARE(datagram.size(), packet.size() + 32);
        sendTo(tap, datagram, m_bob->address);
        sendTo(tap, datagram, m_bob->address);
        QCOMPARE(m_bob->readTun(), packet);
        QTRY_COMPARE(m_bob->peerDrops(DropReason::Replay), 1u);
        QVERIFY(m_bob->readTun(200).isEmpty());
        // Bob accepted it from the tap's address: the datagram, not its source, is authenticated.
        QTRY_COMPARE(ntohs(m_bob->peer().lastDirectSource.sin_port), ntohs(tapAddress.sin_port));

        // A tampered copy of a fresh datagram fails the tag.
        m_alice->writeTun(packet);
        QByteArray tampered = nextOfType(tap, 1);
        QVERIFY(!tampered.isEmpty());
        tampered[40] = char(tampered[40] ^ 0x20);
        sendTo(tap, tampered, m_bob->address);
        QTRY_COMPARE(m_bob->peerDrops(DropReason::Decrypt), 1u);
        ::close(tap);
    }

    void relayFraming()
    {
        // The "broker" is a tap: alice's datagrams arrive there with the relay prefix.
        sockaddr_in brokerAddress;
        const int broker = boundUdpSocket(&brokerAddress);
        const QByteArray prefix("\xf0\x00\x00\x00\x00\x00\x00\x07", 8);
        QVERIFY(!m_alice->plane->setEndpoint(AliceIndex, m_bob->address, true)); // no relay yet
        QVERIFY(m_alice->plane->setRelay(AliceIndex, { brokerAddress, prefix }));
        QVERIFY(m_alice->plane->setEndpoint(AliceIndex, m_bob->address, true));
        QVERIFY(m_alice->plane->stats().peers.first().viaRelay);

        const QByteArray packet = udpPacket(AliceIp, BobIp, "via the broker");
        m_alice->writeTun(packet);
        const QByteArray relayed = nextOfType(broker, 1, prefix.size());
        QVERIFY(relayed.startsWith(prefix));
        // Bob's side strips the prefix (the lead's relay code) and injects the rest.
        m_bob->plane->injectDatagram(relayed.mid(prefix.size()), BobIndex);
        QCOMPARE(m_bob->readTun(), packet);

        // A relay that names another session is not believed.
        m_alice->writeTun(packet);
        const QByteArray second = nextOfType(broker, 1, prefix.size());
        m_bob->plane->injectDatagram(second.mid(prefix.size()), BobIndex + 1);
        QTRY_COMPARE(m_bob->peerDrops(DropReason::RelayMismatch), 1u);
        // Relay framing itself is not a tunnel datagram.
        m_bob->plane->injectDatagram(second, BobIndex);
        QTRY_COMPARE(m_bob->globalDrops(DropReason::BadHeader), 1u);
        QVERIFY(m_bob->readTun(200).isEmpty());
        ::close(broker);
    }

    void foreignDatagramsAndRawSends()
    {
        sockaddr_in tapAddress;
        const int tap = boundUdpSocket(&tapAddress);
        // A STUN Binding request and a Binding success (which starts with 0x01, like a data packet).
        QByteArray request = QByteArray::fromHex("000100002112a442") + QByteArray(12, '\x5a');
        QByteArray success = QByteArray::fromHex("010100002112a442") + QByteArray(12, '\x5b');
        sendTo(tap, request, m_alice->address);
        sendTo(tap, success, m_alice->address);
        QTRY_COMPARE(m_alice->foreignCount(), 2);
        {
            const std::lock_guard lock(m_alice->mutex);
            QCOMPARE(m_alice->foreign[0].first, request);
            QCOMPARE(m_alice->foreign[0].second, ntohs(tapAddress.sin_port));
            QCOMPARE(m_alice->foreign[1].first, success);
        }
        QCOMPARE(m_alice->plane->stats().foreignDatagrams, 2u);

        m_alice->plane->sendRaw(request, tapAddress);
        sockaddr_in from {};
        QCOMPARE(receive(tap, 2000, &from), request);
        QCOMPARE(from.sin_port, m_alice->address.sin_port);
        ::close(tap);
    }

    void garbageAndStrangers()
    {
        sockaddr_in tapAddress;
        const int tap = boundUdpSocket(&tapAddress);
        QByteArray stranger(64, '\x11');
        stranger[0] = 1;
        stranger[2] = stranger[3] = 0;
        sendTo(tap, stranger, m_bob->address); // index 0x11111111: no such session
        QByteArray reserved = stranger;
        reserved[2] = 1;
        sendTo(tap, reserved, m_bob->address);
        QTRY_COMPARE(m_bob->globalDrops(DropReason::UnknownIndex), 1u);
        QTRY_COMPARE(m_bob->globalDrops(DropReason::BadHeader), 1u);
        QCOMPARE(m_bob->foreignCount(), 0);

        m_alice->writeTun(udpPacket(AliceIp, 0xf0090063, "nobody there"));
        QTRY_COMPARE(m_alice->globalDrops(DropReason::NoRoute), 1u);
        m_alice->writeTun(QByteArray::fromHex("6000000000000000"));
        QTRY_COMPARE(m_alice->globalDrops(DropReason::NotIpv4), 1u);
        ::close(tap);
    }

    void filterDecides()
    {
        auto filter = std::make_shared<DenyFilter>();
        filter->outbound = false;
        m_alice->plane->setFilter(filter);
        m_alice->writeTun(udpPacket(AliceIp, BobIp, "refused on the way out"));
        QTRY_COMPARE(m_alice->peerDrops(DropReason::FilteredOut), 1u);

        auto bobFilter = std::make_shared<DenyFilter>();
        bobFilter->inbound = false;
        m_bob->plane->setFilter(bobFilter);
        m_alice->plane->setFilter(nullptr); // back to allow-all
        m_alice->writeTun(udpPacket(AliceIp, BobIp, "refused on the way in"));
        QTRY_COMPARE(m_bob->peerDrops(DropReason::FilteredIn), 1u);
        QVERIFY(m_bob->readTun(200).isEmpty());
    }

    void probeMeasuresRoundTrip()
    {
        // Both ends know each other by now; a new path forgets the round trip and probes at once.
        const PeerStats before = m_alice->peer();
        QVERIFY(before.rttUs >= 0);
        QVERIFY(m_alice->plane->setEndpoint(AliceIndex, m_bob->address, false));
        QTRY_VERIFY(m_alice->peer().packetsOut > before.packetsOut); // the probe left
        QTRY_VERIFY(m_alice->peer().packetsIn > before.packetsIn && m_alice->peer().rttUs >= 0); // the reply came back
        const PeerStats after = m_alice->peer();
        QVERIFY(after.rttUs < 2'000'000);
        QCOMPARE(after.packetsOut, before.packetsOut + 1);
    }

    void noAllocationOnThePacketPath()
    {
        if (!CountingAllocations)
            QSKIP("malloc() belongs to the sanitizer in this build");
        m_alice->plane->setFilter(std::make_shared<CountingFilter>());
        m_bob->plane->setFilter(std::make_shared<CountingFilter>());
        const QByteArray there = udpPacket(AliceIp, BobIp, QByteArray(1300, 't'));
        const QByteArray back = udpPacket(BobIp, AliceIp, QByteArray(1300, 'b'));
        // The first packets mark both threads (and apply the filter commands, which allocate).
        m_alice->writeTun(there);
        QCOMPARE(m_bob->readTun(), there);
        m_bob->writeTun(back);
        QCOMPARE(m_alice->readTun(), back);

        const long before = g_dataPlaneAllocations.load();
        for (int round = 0; round < 20; ++round) {
            for (int i = 0; i < 25; ++i) {
                m_alice->writeTun(there);
                m_bob->writeTun(back);
            }
            for (int i = 0; i < 25; ++i) {
                QCOMPARE(m_bob->readTun(), there);
                QCOMPARE(m_alice->readTun(), back);
            }
        }
        QCOMPARE(g_dataPlaneAllocations.load(), before);
    }

    void peersComeAndGo()
    {
        Error error;
        QVERIFY(!m_alice->plane->addPeer(peerConfig(true, m_bob->address), &error));
        QCOMPARE(error.code, QStringLiteral("tunnel.duplicate_index"));
        PeerConfig bad = peerConfig(true, m_bob->address);
        bad.localIndex = 0x2112a442;
        QVERIFY(!m_alice->plane->addPeer(bad, &error));
        QCOMPARE(error.code, QStringLiteral("tunnel.bad_argument"));
        bad = peerConfig(true, m_bob->address);
        bad.localIndex = 0xa2;
        bad.exporter = [](QByteArray, QByteArray, int) { return QByteArray(); };
        QVERIFY(!m_alice->plane->addPeer(bad, &error));
        QCOMPARE(error.code, QStringLiteral("tunnel.exporter_failed"));

        QVERIFY(m_bob->plane->removePeer(BobIndex));
        QVERIFY(!m_bob->plane->removePeer(BobIndex));
        QVERIFY(m_bob->plane->stats().peers.isEmpty());
        m_alice->writeTun(udpPacket(AliceIp, BobIp, "to a closed session"));
        QTRY_COMPARE(m_bob->globalDrops(DropReason::UnknownIndex), 1u);
        QVERIFY(m_bob->readTun(200).isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestDataPlane)
#include "tst_dataplane.moc"
