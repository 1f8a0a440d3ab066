// Fuzz target for what an authenticated peer can send in its peer session (docs/protocol.md, "Peer
// sessions"): the session's own records (hello, ping, pong) and the tunnel's (the offer, tunnel-info,
// tunnel-tcp, tunnel-ttcp, tunnel-punch, tunnel-path, tunnel-packet), not only the frame codec. A real
// TunnelManager with its data plane (no device) plays pvcd as "alice"; "mallory", a member of the same
// project, holds the other end of a real mutual-TLS session. Each input is the body of one record mallory
// sends, framed and encrypted; alice's PeerSession passes it on where pvcd's Daemon does. Whatever mallory
// sends, alice must not crash or misuse memory (ASan and UBSan in the libFuzzer build).
//
// Alice runs in a network namespace of its own (only a loopback, down): the candidates a record names are
// probed nowhere. The session starts again when alice closes it, and every 500 records, so that offers are
// tried on fresh tunnels too.
#include "coordinator/tunnelmanager.h"
#include "fuzzrequire.h"
#include "isolatedapp.h"
#include "security/certificates.h"
#include "security/keys.h"
#include "security/peersession.h"
#include "security/tlssession.h"

#include <QCoreApplication>
#include <QHostAddress>
#include <QJsonDocument>
#include <QtEndian>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>

using namespace pvc;
using namespace pvc::core;

namespace {

constexpr int RecordsPerSession = 500;
const QString Peer = QStringLiteral("mallory");
const QString PeerIp = QStringLiteral("240.7.0.3");

struct Member {
    QByteArray key = keys::generateEd25519().value().privatePem;
    QByteArray certificate;
};

struct World {
    QByteArray caKey = keys::generateEd25519().value().privatePem;
    QByteArray caCert = certs::createCaCertificate(caKey, QStringLiteral("Fuzz"), 365).value();
    Member alice, mallory;
    std::unique_ptr<TunnelManager> tunnels;
    std::unique_ptr<TlsSession> attacker;
    std::unique_ptr<PeerSession> victim;
    int records = 0;
    const bool verbose = qEnvironmentVariableIsSet("PVC_FUZZ_VERBOSE");

    World()
    {
        alice.certificate = sign(alice, QStringLiteral("alice"), QStringLiteral("240.7.0.2"));
        mallory.certificate = sign(mallory, Peer, PeerIp);
        TunnelManager::Options options;
        options.upnp = false;
        tunnels = std::make_unique<TunnelManager>(options, nullptr);
        TunnelManager::Identity identity;
        identity.name = QStringLiteral("alice");
        identity.virtualIp = QStringLiteral("240.7.0.2");
        identity.groups = { QStringLiteral("volunteer") };
        identity.domain = QStringLiteral("pvc");
        QString error;
        require(tunnels->start(identity, &error), qPrintable(error));
        tunnels->setPeerIdentity(QHostAddress(PeerIp).toIPv4Address(), Peer, { QStringLiteral("volunteer") });
        connectSession();
    }

    QByteArray sign(const Member& member, const QString& name, const QString& ip)
    {
        certs::MembershipTerms terms;
        terms.name = name;
        terms.virtualIp = ip;
        terms.dnsName = name + QStringLiteral(".pvc");
        terms.groups = { QStringLiteral("volunteer") };
        terms.serial = ip == PeerIp ? 0x1003 : 0x1002;
        return certs::signMembership(caKey, caCert, certs::createCsr(member.key, name).value(), terms).value();
    }

    // Alice's ciphertext reaches mallory, whose plaintext (alice's records) is only read.
    void toAttacker(const QByteArray& ciphertext)
    {
        if (!attacker || !attacker->feed(ciphertext))
            return;
        const QByteArray plaintext = attacker->takePlaintext();
        if (verbose && !plaintext.isEmpty())
            std::fprintf(stderr, "fuzz_peerrecords: alice sent %s\n", plaintext.mid(4).constData());
    }

    void toVictim() { victim->handleCiphertext(attacker->takeOutgoing()); }

    void connectSession()
    {
        if (victim) {
            tunnels->removePeer(Peer);
            victim.reset();
        }
        attacker
            = TlsSession::create({ TlsSession::Role::Client, mallory.certificate, mallory.key, caCert, {} }).value();
        auto tls
            = TlsSession::create({ TlsSession::Role::Server, alice.certificate, alice.key, caCert, PeerIp }).value();
        victim = std::make_unique<PeerSession>(
            Peer, std::move(tls), [this](const QByteArray& bytes) { toAttacker(bytes); }, nullptr, nullptr);
        // As pvcd's Daemon wires them (core/coordinator/daemon.cpp).
        QObject::connect(victim.get(), &PeerSession::authenticated, [this] { tunnels->offer(victim.get(), Peer); });
        QObject::connect(victim.get(), &PeerSession::recordReceived, [this](const QJsonObject& record) {
            if (record.value(QLatin1String("t")).toString() != QLatin1String("tunnel"))
                return tunnels->handleRecord(Peer, record);
            tunnels->accept(victim.get(), Peer, QHostAddress(PeerIp).toIPv4Address(), record, PeerPaths {});
        });
        victim->start();
        require(attacker->start(), "mallory's TLS starts");
        for (int round = 0; round < 4 && !victim->isAuthenticated(); ++round) {
            toVictim();
            if (attacker->handshakeComplete() && round == 2)
                send(R"({"v":1,"t":"hello"})");
        }
        require(victim->isAuthenticated(), "the session between two members is authenticated");
        records = 0;
    }

    void send(const QByteArray& body)
    {
        QByteArray frame(4, Qt::Uninitialized);
        qToBigEndian<quint32>(quint32(body.size()), frame.data());
        require(attacker->write(frame + body), "mallory's TLS writes");
        toVictim();
    }

    void record(const QByteArray& body)
    {
        if (victim->isClosed() || ++records > RecordsPerSession)
            connectSession();
        send(body);
        QCoreApplication::processEvents(); // what the records started (probes, timers due now)
    }
};

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    startIsolatedApplication("fuzz_peerrecords");
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size > 64 * 1024) // a record's limit, the frame's (docs/protocol.md 1)
        return 0;
    // A body that is no JSON object only closes the session (peer.bad_record), which fuzz_frame covers; here
    // it would cost a TLS handshake for nothing.
    const QByteArray body(reinterpret_cast<const char*>(data), qsizetype(size));
    if (!QJsonDocument::fromJson(body).isObject())
        return 0;
    // Never destroyed: its threads (and Qt's) may still run while the process exits.
    static World* world = new World;
    world->record(body);
    return 0;
}
