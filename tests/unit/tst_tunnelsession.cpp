#include "tunnel/tunnelsession.h"

#include <QCryptographicHash>
#include <QTest>
#include <vector>

using namespace pvc::core;
using namespace std::chrono_literals;

namespace {

using Bytes = std::vector<std::uint8_t>;
using Clock = TunnelSession::Clock;

// Both ends of one (pretend) TLS session see the same exporter.
QByteArray fakeExporter(QByteArray label, QByteArray context, int length)
{
    QByteArray out;
    while (out.size() < length)
        out += QCryptographicHash::hash(
            "session-1/" + label + '/' + context + QByteArray::number(out.size()), QCryptographicHash::Sha256);
    return out.left(length);
}

std::unique_ptr<TunnelSession> makeSession(bool client, Clock::time_point now)
{
    TunnelSession::Config config;
    config.name = client ? QStringLiteral("bob") : QStringLiteral("alice");
    config.virtualIp = client ? 0xf0090003 : 0xf0090002;
    config.localIndex = client ? 0xa1 : 0xb1;
    config.remoteIndex = client ? 0xb1 : 0xa1;
    config.endpoint.sin_family = AF_INET;
    config.endpoint.sin_port = htons(4000);
    auto keys = TunnelKeys::derive(fakeExporter, client ? TunnelKeys::Role::Client : TunnelKeys::Role::Server);
    auto session = TunnelSession::create(config, std::move(keys).value(), now);
    return session.ok() ? std::move(session).value() : nullptr;
}

Bytes payload(std::size_t size, std::uint8_t seed)
{
    Bytes bytes(size);
    for (std::size_t i = 0; i < size; ++i)
        bytes[i] = std::uint8_t(seed + i);
    return bytes;
}

} // namespace

class TestTunnelSession : public QObject {
    Q_OBJECT

    Clock::time_point m_t0 = Clock::now();
    std::unique_ptr<TunnelSession> m_alice; // TLS client
    std::unique_ptr<TunnelSession> m_bob; // TLS server

    Bytes seal(TunnelSession& from, const Bytes& plain, Clock::time_point now, PacketType type = PacketType::Data)
    {
        Bytes datagram(plain.size() + 32);
        std::size_t size = 0;
        if (from.seal(type, plain, datagram, &size, now) != TunnelSession::Status::Ok)
            return {};
        datagram.resize(size);
        return datagram;
    }

    TunnelSession::Status open(TunnelSession& to, const Bytes& datagram, Clock::time_point now, Bytes* plain = nullptr)
    {
        DataPacket packet;
        if (datapacket::parse(datagram.data(), datagram.size(), &packet) != datapacket::ParseError::None)
            return TunnelSession::Status::NoRoom;
        Bytes out(packet.sealed.size());
        std::size_t size = 0;
        const auto status = to.open(packet, out, &size, now);
        out.resize(size);
        if (plain)
            *plain = out;
        return status;
    }

private Q_SLOTS:
    void init()
    {
        m_alice = makeSession(true, m_t0);
        m_bob = makeSession(false, m_t0);
        QVERIFY(m_alice && m_bob);
    }

    void sealThenOpen()
    {
        const Bytes plain = payload(1400, 3);
        const Bytes datagram = seal(*m_alice, plain, m_t0);
        QCOMPARE(datagram.size(), std::size_t(1432));
        DataPacket packet;
        QCOMPARE(datapacket::parse(datagram.data(), datagram.size(), &packet), datapacket::ParseError::None);
        QCOMPARE(packet.header.type, PacketType::Data);
        QCOMPARE(packet.header.receiverIndex, 0xb1u); // bob's index for the session
        QCOMPARE(packet.header.counter, 0u);
        QCOMPARE(packet.header.epoch, 0);
        Bytes opened;
        QCOMPARE(open(*m_bob, datagram, m_t0, &opened), TunnelSession::Status::Ok);
        QVERIFY(opened == plain);
        // And the other way; counters advance.
        QCOMPARE(open(*m_alice, seal(*m_bob, plain, m_t0), m_t0), TunnelSession::Status::Ok);
        const Bytes second = seal(*m_alice, plain, m_t0);
        QCOMPARE(second[15], 1);
    }

    void sealAndOpenInPlace()
    {
        const Bytes plain = payload(300, 9);
        Bytes buffer(16 + 300 + 16);
        std::copy(plain.begin(), plain.end(), buffer.begin() + 16);
        std::size_t size = 0;
        QCOMPARE(m_alice->seal(PacketType::Data, { buffer.data() + 16, 300 }, buffer, &size, m_t0),
            TunnelSession::Status::Ok);
        QCOMPARE(size, buffer.size());
        DataPacket packet;
        QCOMPARE(datapacket::parse(buffer.data(), size, &packet), datapacket::ParseError::None);
        QCOMPARE(
            m_bob->open(packet, { buffer.data() + 16, packet.sealed.size() }, &size, m_t0), TunnelSession::Status::Ok);
        QCOMPARE(size, std::size_t(300));
        QVERIFY(std::equal(plain.begin(), plain.end(), buffer.begin() + 16));
    }

    void replayAndForgeryRefused()
    {
        const Bytes datagram = seal(*m_alice, payload(64, 1), m_t0);
        Bytes forged = datagram;
        forged[20] ^= 1;
        QCOMPARE(open(*m_bob, forged, m_t0), TunnelSession::Status::Decrypt);
        // The forgery did not touch the window: the genuine packet opens, once.
        QCOMPARE(open(*m_bob, datagram, m_t0), TunnelSession::Status::Ok);
        QCOMPARE(open(*m_bob, datagram, m_t0), TunnelSession::Status::Replay);
        // The header is authenticated: another type or counter does not open.
        Bytes retyped = seal(*m_alice, payload(64, 1), m_t0);
        retyped[0] = 2;
        QCOMPARE(open(*m_bob, retyped, m_t0), TunnelSession::Status::Decrypt);
        // A datagram sealed for bob does not open at alice (other direction, other key).
        QCOMPARE(open(*m_alice, seal(*m_alice, payload(8, 1), m_t0), m_t0), TunnelSession::Status::Decrypt);
    }

    void rekeyAfterTime()
    {
        const Bytes early = seal(*m_alice, payload(40, 1), m_t0);
        const Bytes late = seal(*m_alice, payload(40, 2), m_t0 + 119s);
        const Bytes next = seal(*m_alice, payload(40, 3), m_t0 + 120s);
        QCOMPARE(m_alice->sendEpoch(), 1u);
        QCOMPARE(next[1], 1); // epoch byte
        QCOMPARE(next[15], 0); // counters restart with the epoch

        const auto now = m_t0 + 121s;
        QCOMPARE(open(*m_bob, next, now), TunnelSession::Status::Ok);
        QCOMPARE(m_bob->receiveEpoch(), 1u);
        // Stragglers of the previous epoch still open for 30 s after the switch...
        QCOMPARE(open(*m_bob, late, now + 29s), TunnelSession::Status::Ok);
        QCOMPARE(open(*m_bob, late, now + 29s), TunnelSession::Status::Replay);
        // ...and not after.
        QCOMPARE(open(*m_bob, early, now + 30s), TunnelSession::Status::BadEpoch);
    }

    void olderEpochRefused()
    {
        const Bytes zero = seal(*m_alice, payload(40, 1), m_t0);
        const Bytes one = seal(*m_alice, payload(40, 1), m_t0 + 120s);
        const Bytes two = seal(*m_alice, payload(40, 2), m_t0 + 240s);
        QCOMPARE(one[1], 1);
        QCOMPARE(two[1], 2);
        // The receiver may skip an epoch it never saw...
        QCOMPARE(open(*m_bob, two, m_t0 + 241s), TunnelSession::Status::Ok);
        QCOMPARE(m_bob->receiveEpoch(), 2u);
        // ...which is then gone: only the current one and the one it replaced are accepted.
        QCOMPARE(open(*m_bob, one, m_t0 + 242s), TunnelSession::Status::BadEpoch);
        QCOMPARE(open(*m_bob, zero, m_t0 + 242s), TunnelSession::Status::Ok);
    }

    void forgedFutureEpochChangesNothing()
    {
        Bytes forged = seal(*m_alice, payload(40, 1), m_t0);
        const Bytes genuine = seal(*m_alice, payload(40, 2), m_t0);
        forged[1] = 7; // claims epoch 7: bob tries the key, the tag fails
        QCOMPARE(open(*m_bob, forged, m_t0), TunnelSession::Status::Decrypt);
        QCOMPARE(m_bob->receiveEpoch(), 0u);
        QCOMPARE(open(*m_bob, genuine, m_t0), TunnelSession::Status::Ok);
        forged[1] = 64; // beyond the derived epochs
        QCOMPARE(open(*m_bob, forged, m_t0), TunnelSession::Status::BadEpoch);
    }

    void expiresAfterTheLastEpoch()
    {
        auto now = m_t0;
        for (int epoch = 0; epoch < rekey::PrecomputedEpochs; ++epoch) {
            QVERIFY(!seal(*m_alice, payload(10, 1), now).empty());
            now += rekey::AfterTime;
        }
        QCOMPARE(m_alice->sendEpoch(), 63u);
        QVERIFY(!m_alice->expired());
        Bytes out(64);
        std::size_t size = 0;
        QCOMPARE(m_alice->seal(PacketType::Data, payload(10, 1), out, &size, now), TunnelSession::Status::Expired);
        QVERIFY(m_alice->expired());
        QCOMPARE(m_alice->seal(PacketType::Keepalive, {}, out, &size, m_t0), TunnelSession::Status::Expired);
    }

    void sizeLimits()
    {
        Bytes out(100);
        std::size_t size = 0;
        QCOMPARE(m_alice->seal(PacketType::Data, payload(69, 1), out, &size, m_t0), TunnelSession::Status::NoRoom);
        QCOMPARE(m_alice->seal(PacketType::Data, payload(68, 1), out, &size, m_t0), TunnelSession::Status::Ok);
        Bytes huge(datapacket::MaxPayloadBytes + 1);
        Bytes hugeOut(huge.size() + 64);
        QCOMPARE(m_alice->seal(PacketType::Data, huge, hugeOut, &size, m_t0), TunnelSession::Status::NoRoom);
        QCOMPARE(open(*m_bob, seal(*m_alice, {}, m_t0, PacketType::Keepalive), m_t0), TunnelSession::Status::Ok);
    }

    void pathAndRelay()
    {
        QVERIFY(!m_alice->viaRelay());
        QCOMPARE(ntohs(m_alice->destination().sin_port), 4000);
        QVERIFY(m_alice->prefix().empty());
        RelayTarget relay;
        relay.broker.sin_port = htons(3478);
        relay.prefix = QByteArray("\xf0\0\0\0\0\0\0\x2a", 8);
        QVERIFY(m_alice->setRelay(relay));
        QVERIFY(m_alice->prefix().empty()); // not used until the path says so
        m_alice->setEndpoint(m_alice->endpoint(), true);
        QCOMPARE(ntohs(m_alice->destination().sin_port), 3478);
        QCOMPARE(m_alice->prefix().size(), std::size_t(8));
        QCOMPARE(m_alice->prefix()[7], 0x2a);
        relay.prefix = QByteArray(65, 'x');
        QVERIFY(!m_alice->setRelay(relay));
    }

    void badConfigRefused()
    {
        TunnelSession::Config config;
        config.localIndex = 0;
        config.remoteIndex = 5;
        auto keys = TunnelKeys::derive(fakeExporter, TunnelKeys::Role::Client, 1);
        auto session = TunnelSession::create(config, std::move(keys).value(), m_t0);
        QCOMPARE(session.error().code, QStringLiteral("tunnel.bad_argument"));
        config.localIndex = 6;
        session = TunnelSession::create(config, TunnelKeys(), m_t0);
        QCOMPARE(session.error().code, QStringLiteral("tunnel.bad_argument"));
    }
};

QTEST_GUILESS_MAIN(TestTunnelSession)
#include "tst_tunnelsession.moc"
