#include "security/certificates.h"
#include "security/keys.h"
#include "security/tlssession.h"
#include "tunnel/packetcipher.h"
#include "tunnel/tunnelkeys.h"

#include <QTest>
#include <array>

using namespace pvc::core;

namespace {

struct Member {
    QByteArray key;
    QByteArray cert;
};

Member makeMember(const QByteArray& caKey, const QByteArray& caCert, const QString& name, const QString& ip, int serial)
{
    const auto pair = keys::generateEd25519();
    certs::MembershipTerms terms;
    terms.name = name;
    terms.virtualIp = ip;
    terms.dnsName = name + QStringLiteral(".pvc");
    terms.serial = quint64(serial);
    const auto csr = certs::createCsr(pair.value().privatePem, name);
    return { pair.value().privatePem, certs::signMembership(caKey, caCert, csr.value(), terms).value() };
}

// The exporter as the daemon hands it to the data plane: RFC 8446 section 7.5, with a context.
TunnelKeys::Exporter exporterOf(const TlsSession& session)
{
    return [&session](QByteArray label, QByteArray context, int length) {
        const auto material = session.exportKeyingMaterial(label, context, length);
        return material.ok() ? material.value() : QByteArray();
    };
}

bool sameKey(const TunnelKeys::Key& a, const TunnelKeys::Key& b)
{
    return a == b;
}

} // namespace

class TestTunnelKeys : public QObject {
    Q_OBJECT

    std::unique_ptr<TlsSession> m_client;
    std::unique_ptr<TlsSession> m_server;

private Q_SLOTS:
    void initTestCase()
    {
        const auto caPair = keys::generateEd25519();
        const QByteArray caKey = caPair.value().privatePem;
        const QByteArray caCert = certs::createCaCertificate(caKey, QStringLiteral("tunnel"), 365).value();
        const Member alice = makeMember(caKey, caCert, QStringLiteral("alice"), QStringLiteral("240.9.0.2"), 2);
        const Member bob = makeMember(caKey, caCert, QStringLiteral("bob"), QStringLiteral("240.9.0.3"), 3);
        m_client
            = std::move(TlsSession::create({ TlsSession::Role::Client, alice.cert, alice.key, caCert, {} })).value();
        m_server = std::move(TlsSession::create({ TlsSession::Role::Server, bob.cert, bob.key, caCert, {} })).value();
        QVERIFY(m_client->start());
        for (int round = 0; round < 16; ++round) {
            const QByteArray toServer = m_client->takeOutgoing();
            const QByteArray toClient = m_server->takeOutgoing();
            if (toServer.isEmpty() && toClient.isEmpty())
                break;
            if (!toServer.isEmpty())
                m_server->feed(toServer);
            if (!toClient.isEmpty())
                m_client->feed(toClient);
        }
        QVERIFY(m_client->handshakeComplete());
        QVERIFY(m_server->handshakeComplete());
    }

    void bothEndsDeriveMatchingKeys()
    {
        const auto client = TunnelKeys::derive(exporterOf(*m_client), TunnelKeys::Role::Client);
        const auto server = TunnelKeys::derive(exporterOf(*m_server), TunnelKeys::Role::Server);
        QVERIFY2(client.ok(), qPrintable(client.error().detail));
        QVERIFY2(server.ok(), qPrintable(server.error().detail));
        QCOMPARE(client->epochCount(), rekey::PrecomputedEpochs);
        QCOMPARE(server->epochCount(), rekey::PrecomputedEpochs);
        for (std::uint32_t epoch = 0; epoch < 64; ++epoch) {
            const TunnelKeys::Epoch* c = client->epoch(epoch);
            const TunnelKeys::Epoch* s = server->epoch(epoch);
            QVERIFY(c && s);
            QVERIFY(sameKey(c->send, s->receive));
            QVERIFY(sameKey(c->receive, s->send));
            QVERIFY(!sameKey(c->send, c->receive));
            QVERIFY(c->send != TunnelKeys::Key {});
        }
        QVERIFY(!client->epoch(64));
    }

    void epochsDiffer()
    {
        const auto keys = TunnelKeys::derive(exporterOf(*m_client), TunnelKeys::Role::Client);
        QVERIFY(keys.ok());
        for (std::uint32_t a = 0; a < 64; ++a) {
            for (std::uint32_t b = a + 1; b < 64; ++b) {
                QVERIFY(!sameKey(keys->epoch(a)->send, keys->epoch(b)->send));
                QVERIFY(!sameKey(keys->epoch(a)->receive, keys->epoch(b)->receive));
            }
        }
    }

    void keysWorkAcrossTheSession()
    {
        // What alice seals with epoch 5, bob opens with epoch 5 and with no other.
        const auto alice = TunnelKeys::derive(exporterOf(*m_client), TunnelKeys::Role::Client);
        const auto bob = TunnelKeys::derive(exporterOf(*m_server), TunnelKeys::Role::Server);
        QVERIFY(alice.ok() && bob.ok());
        PacketCipher sender;
        QVERIFY(sender.setKey(alice->epoch(5)->send));
        const std::array<std::uint8_t, 4> aad = { 1, 5, 0, 0 };
        const std::array<std::uint8_t, 5> plain = { 'h', 'e', 'l', 'l', 'o' };
        std::array<std::uint8_t, 21> sealed {};
        QCOMPARE(sender.seal(0, aad, plain, sealed), sealed.size());
        std::array<std::uint8_t, 5> opened {};
        PacketCipher receiver;
        QVERIFY(receiver.setKey(bob->epoch(4)->receive));
        QCOMPARE(receiver.open(0, aad, sealed, opened), std::ptrdiff_t(-1));
        QVERIFY(receiver.setKey(bob->epoch(5)->receive));
        QCOMPARE(receiver.open(0, aad, sealed, opened), std::ptrdiff_t(5));
        QVERIFY(opened == plain);
    }

    void exporterInputs()
    {
        QList<QByteArray> contexts;
        auto recording = [&contexts](QByteArray label, QByteArray context, int length) {
            if (label != "EXPORTER-pvc-tunnel-v1" || length != 64)
                return QByteArray();
            contexts.append(context);
            return QByteArray(64, char(contexts.size()));
        };
        const auto keys = TunnelKeys::derive(recording, TunnelKeys::Role::Server, 3);
        QVERIFY(keys.ok());
        QCOMPARE(contexts,
            QList<QByteArray>({ QByteArray("\0\0\0\0", 4), QByteArray("\0\0\0\1", 4), QByteArray("\0\0\0\2", 4) }));
        QCOMPARE(TunnelKeys::context(0x01020304), QByteArray("\1\2\3\4"));
        // Bytes 0..31 are client -> server, 32..63 server -> client.
        auto split = [](QByteArray, QByteArray, int) { return QByteArray(32, 'c') + QByteArray(32, 's'); };
        const auto server = TunnelKeys::derive(split, TunnelKeys::Role::Server, 1);
        TunnelKeys::Key clientToServer;
        clientToServer.fill('c');
        TunnelKeys::Key serverToClient;
        serverToClient.fill('s');
        QVERIFY(server->epoch(0)->receive == clientToServer);
        QVERIFY(server->epoch(0)->send == serverToClient);
    }

    void exporterFailureRefused()
    {
        auto failing = [](QByteArray, QByteArray context, int) {
            return context == TunnelKeys::context(2) ? QByteArray() : QByteArray(64, 'x');
        };
        auto keys = TunnelKeys::derive(failing, TunnelKeys::Role::Client);
        QCOMPARE(keys.error().code, QStringLiteral("tunnel.exporter_failed"));
        keys = TunnelKeys::derive(
            [](QByteArray, QByteArray, int) { return QByteArray(63, 'x'); }, TunnelKeys::Role::Client);
        QCOMPARE(keys.error().code, QStringLiteral("tunnel.exporter_failed"));
        keys = TunnelKeys::derive(TunnelKeys::Exporter(), TunnelKeys::Role::Client);
        QCOMPARE(keys.error().code, QStringLiteral("tunnel.bad_argument"));
        keys = TunnelKeys::derive(
            [](QByteArray, QByteArray, int) { return QByteArray(64, 'x'); }, TunnelKeys::Role::Client, 257);
        QCOMPARE(keys.error().code, QStringLiteral("tunnel.bad_argument"));
    }

    void unfinishedTlsSessionGivesNoKeys()
    {
        const auto caPair = keys::generateEd25519();
        const QByteArray caKey = caPair.value().privatePem;
        const QByteArray caCert = certs::createCaCertificate(caKey, QStringLiteral("tunnel"), 365).value();
        const Member carol = makeMember(caKey, caCert, QStringLiteral("carol"), QStringLiteral("240.9.0.4"), 4);
        auto session
            = std::move(TlsSession::create({ TlsSession::Role::Client, carol.cert, carol.key, caCert, {} })).value();
        QVERIFY(session->start());
        const auto keys = TunnelKeys::derive(exporterOf(*session), TunnelKeys::Role::Client);
        QCOMPARE(keys.error().code, QStringLiteral("tunnel.exporter_failed"));
    }
};

QTEST_GUILESS_MAIN(TestTunnelKeys)
#include "tst_tunnelkeys.moc"
