#include "security/certificates.h"
#include "security/keys.h"
#include "security/tlssession.h"

#include <QRandomGenerator>
#include <QTest>

using namespace pvc::core;

namespace {

struct Project {
    QByteArray caKey;
    QByteArray caCert;
};

struct Member {
    QByteArray key;
    QByteArray cert;
};

Project makeProject(const QString& name)
{
    const auto pair = keys::generateEd25519();
    const auto ca = certs::createCaCertificate(pair.value().privatePem, name, 365);
    return { pair.value().privatePem, ca.value() };
}

Member makeMember(const Project& project, const QString& name, const QString& ip, quint64 serial)
{
    const auto pair = keys::generateEd25519();
    certs::MembershipTerms terms;
    terms.name = name;
    terms.virtualIp = ip;
    terms.dnsName = name + QStringLiteral(".pvc");
    terms.serial = serial;
    const auto csr = certs::createCsr(pair.value().privatePem, name);
    const auto cert = certs::signMembership(project.caKey, project.caCert, csr.value(), terms);
    return { pair.value().privatePem, cert.value() };
}

std::unique_ptr<TlsSession> makeSession(
    TlsSession::Role role, const Member& member, const Project& trusted, const QString& expectedPeerIp = {})
{
    auto session = TlsSession::create({ role, member.cert, member.key, trusted.caCert, expectedPeerIp });
    if (!session.ok())
        qWarning("TlsSession::create: %s %s", qPrintable(session.error().code), qPrintable(session.error().detail));
    return session.ok() ? std::move(session).value() : nullptr;
}

// Moves ciphertext both ways until neither side has anything left to say, like a relay would.
void shuttle(TlsSession& client, TlsSession& server)
{
    for (int round = 0; round < 16; ++round) {
        const QByteArray toServer = client.takeOutgoing();
        const QByteArray toClient = server.takeOutgoing();
        if (toServer.isEmpty() && toClient.isEmpty())
            return;
        if (!toServer.isEmpty())
            server.feed(toServer);
        if (!toClient.isEmpty())
            client.feed(toClient);
    }
}

} // namespace

class TestTlsSession : public QObject {
    Q_OBJECT

    Project m_project;
    Project m_otherProject;
    Member m_alice; // 240.77.0.2
    Member m_bob; // 240.77.0.3
    Member m_mallory; // 240.77.0.3 as well, but from the other project

private Q_SLOTS:
    void initTestCase()
    {
        m_project = makeProject(QStringLiteral("alpha"));
        m_otherProject = makeProject(QStringLiteral("beta"));
        m_alice = makeMember(m_project, QStringLiteral("alice"), QStringLiteral("240.77.0.2"), 2);
        m_bob = makeMember(m_project, QStringLiteral("bob"), QStringLiteral("240.77.0.3"), 3);
        m_mallory = makeMember(m_otherProject, QStringLiteral("mallory"), QStringLiteral("240.77.0.3"), 3);
    }

    void mutualHandshakeAndData()
    {
        auto client = makeSession(TlsSession::Role::Client, m_alice, m_project, QStringLiteral("240.77.0.3"));
        auto server = makeSession(TlsSession::Role::Server, m_bob, m_project, QStringLiteral("240.77.0.2"));
        QVERIFY(client && server);
        QVERIFY(!client->write("too early"));
        QVERIFY(server->start());
        QVERIFY(server->takeOutgoing().isEmpty());
        QVERIFY(client->start());
        shuttle(*client, *server);
        QVERIFY2(!client->failed(), qPrintable(client->error().detail));
        QVERIFY2(!server->failed(), qPrintable(server->error().detail));
        QVERIFY(client->handshakeComplete());
        QVERIFY(server->handshakeComplete());

        // The client trusts the channel only once a first record from the server has arrived
        // (TLS 1.3: the server judges the client certificate after the client finished).
        QVERIFY(server->write("welcome"));
        QVERIFY(client->feed(server->takeOutgoing()));
        QCOMPARE(client->takePlaintext(), QByteArray("welcome"));

        const QByteArray bulk(100 * 1024, 'x');
        QVERIFY(client->write(bulk));
        QVERIFY(client->write("!"));
        QVERIFY(server->feed(client->takeOutgoing()));
        QCOMPARE(server->takePlaintext(), bulk + '!');
        QVERIFY(server->takePlaintext().isEmpty());

        QCOMPARE(certs::parseCertificate(client->peerCertificatePem())->commonName, QStringLiteral("bob"));
        QCOMPARE(certs::parseCertificate(server->peerCertificatePem())->commonName, QStringLiteral("alice"));

        const auto clientSecret = client->exportKeyingMaterial("EXPORTER-pvc-tunnel", 32);
        const auto serverSecret = server->exportKeyingMaterial("EXPORTER-pvc-tunnel", 32);
        QVERIFY(clientSecret.ok() && serverSecret.ok());
        QCOMPARE(clientSecret->size(), 32);
        QCOMPARE(*clientSecret, *serverSecret);
        QVERIFY(*clientSecret != QByteArray(32, '\0'));
        QVERIFY(*client->exportKeyingMaterial("EXPORTER-pvc-other", 32) != *clientSecret);
    }

    void clientFromAnotherProjectRejected()
    {
        // Mallory trusts our CA (so she accepts bob), but her certificate is from another CA.
        auto client = makeSession(TlsSession::Role::Client, m_mallory, m_project);
        auto server = makeSession(TlsSession::Role::Server, m_bob, m_project);
        QVERIFY(client && server);
        QVERIFY(client->start());
        QVERIFY(server->feed(client->takeOutgoing()));
        QVERIFY(client->feed(server->takeOutgoing()));
        // The TLS 1.3 pitfall: the client's handshake says complete, and it can even export a secret.
        QVERIFY(client->handshakeComplete());
        QVERIFY(client->exportKeyingMaterial("EXPORTER-pvc-tunnel", 32).ok());

        QVERIFY(!server->feed(client->takeOutgoing()));
        QVERIFY(server->failed());
        QCOMPARE(server->error().code, QStringLiteral("tls.peer_untrusted"));
        QVERIFY(!server->handshakeComplete());
        QVERIFY(!server->write("welcome"));

        // The alert still reaches the client, which never sees an application record.
        const QByteArray alert = server->takeOutgoing();
        QVERIFY(!alert.isEmpty());
        QVERIFY(!client->feed(alert));
        QVERIFY(client->failed());
        QCOMPARE(client->error().code, QStringLiteral("tls.handshake_failed"));
        QVERIFY(client->takePlaintext().isEmpty());
        QVERIFY(!client->write("hello"));
    }

    void serverFromAnotherProjectRejected()
    {
        auto client = makeSession(TlsSession::Role::Client, m_alice, m_project);
        auto server = makeSession(TlsSession::Role::Server, m_mallory, m_project);
        QVERIFY(client && server);
        QVERIFY(client->start());
        shuttle(*client, *server);
        QVERIFY(client->failed());
        QCOMPARE(client->error().code, QStringLiteral("tls.peer_untrusted"));
        QVERIFY(!client->handshakeComplete());
        QVERIFY(server->failed());
        QVERIFY(!server->handshakeComplete());
    }

    void expectedPeerIpMismatchRefused()
    {
        // Client side: bob presents 240.77.0.3, the client expected 240.77.0.9.
        auto client = makeSession(TlsSession::Role::Client, m_alice, m_project, QStringLiteral("240.77.0.9"));
        auto server = makeSession(TlsSession::Role::Server, m_bob, m_project);
        QVERIFY(client && server);
        QVERIFY(client->start());
        shuttle(*client, *server);
        QCOMPARE(client->error().code, QStringLiteral("tls.peer_ip_mismatch"));
        QVERIFY(!client->handshakeComplete());
        QVERIFY(server->failed());

        // Server side: alice presents 240.77.0.2, the server expected 240.77.0.9.
        client = makeSession(TlsSession::Role::Client, m_alice, m_project, QStringLiteral("240.77.0.3"));
        server = makeSession(TlsSession::Role::Server, m_bob, m_project, QStringLiteral("240.77.0.9"));
        QVERIFY(client && server);
        QVERIFY(client->start());
        shuttle(*client, *server);
        QCOMPARE(server->error().code, QStringLiteral("tls.peer_ip_mismatch"));
        QVERIFY(!server->handshakeComplete());
        QVERIFY(client->takePlaintext().isEmpty());
        QVERIFY(client->failed());
    }

    void garbageFailsCleanly()
    {
        auto server = makeSession(TlsSession::Role::Server, m_bob, m_project);
        QVERIFY(server);
        QByteArray garbage(4096, Qt::Uninitialized);
        QRandomGenerator generator(42);
        generator.fillRange(reinterpret_cast<quint32*>(garbage.data()), garbage.size() / 4);
        QVERIFY(!server->feed(garbage));
        QVERIFY(server->failed());
        QCOMPARE(server->error().code, QStringLiteral("tls.handshake_failed"));
        QVERIFY(!server->handshakeComplete());
        QVERIFY(!server->feed(garbage));
        QVERIFY(!server->write("x"));
        QCOMPARE(server->exportKeyingMaterial("EXPORTER-pvc-tunnel", 32).error().code, QStringLiteral("tls.not_ready"));
        server->takeOutgoing();

        // A plausible handshake record header followed by junk.
        auto second = makeSession(TlsSession::Role::Server, m_bob, m_project);
        QVERIFY(second);
        QVERIFY(!second->feed(QByteArray("\x16\x03\x01\x00\x20", 5) + garbage.left(32)));
        QCOMPARE(second->error().code, QStringLiteral("tls.handshake_failed"));
    }

    void badConfigRefused()
    {
        auto session = TlsSession::create({ TlsSession::Role::Client, m_alice.cert, m_bob.key, m_project.caCert, {} });
        QCOMPARE(session.error().code, QStringLiteral("tls.bad_config"));
        session = TlsSession::create({ TlsSession::Role::Client, "garbage", m_alice.key, m_project.caCert, {} });
        QCOMPARE(session.error().code, QStringLiteral("tls.bad_config"));
        session = TlsSession::create(
            { TlsSession::Role::Client, m_alice.cert, m_alice.key, m_project.caCert, QStringLiteral("not-an-ip") });
        QCOMPARE(session.error().code, QStringLiteral("tls.bad_config"));
    }
};

QTEST_GUILESS_MAIN(TestTlsSession)
#include "tst_tlssession.moc"
