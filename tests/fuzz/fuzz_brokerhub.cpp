// Fuzz target for the broker's message handlers (broker/brokerhub.h), not only its parsers: every input is
// one JSON message, delivered to a session of the role its first byte picks (not yet greeted, guest, member
// or master), after the hello each role's real client would say. Whatever a client sends, the hub must not
// crash or misuse memory (run under ASan and UBSan in CI), and a session it closes is released.
#include "brokerhub.h"
#include "brokersession.h"
#include "brokerstore.h"
#include "protocol/brokermessages.h"
#include "security/certificates.h"
#include "security/keys.h"

#include <QJsonDocument>
#include <QTemporaryDir>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <list>
#include <memory>

using namespace pvc;
using namespace pvc::core;
namespace bp = pvc::core::brokerprotocol;

namespace {

const QByteArray BrokerFingerprint(32, '\x5a');

void require(bool condition, const char* what)
{
    if (!condition) {
        std::fprintf(stderr, "fuzz_brokerhub: invariant broken: %s\n", what);
        std::abort();
    }
}

struct Client {
    qsizetype received = 0;
    bool closed = false;
    QByteArray nonce;
    broker::Session* session = nullptr;
};

// One hub for the whole run (its SQLite store in a temporary folder), and one client per role, made again
// when the hub closed it.
struct World {
    QTemporaryDir dir;
    QByteArray caKey = keys::generateEd25519().value().privatePem;
    QByteArray caCert = certs::createCaCertificate(caKey, QStringLiteral("Fuzz"), 365).value();
    QString project = certs::parseCertificate(caCert)->fingerprint;
    QByteArray aliceKey = keys::generateEd25519().value().privatePem;
    QByteArray aliceCert;
    broker::BrokerStore store;
    std::unique_ptr<broker::BrokerHub> hub;
    std::list<Client> clients;
    Client* byRole[4] = {};

    World()
    {
        certs::MembershipTerms terms;
        terms.name = QStringLiteral("alice");
        terms.virtualIp = QStringLiteral("240.7.0.2");
        terms.dnsName = QStringLiteral("alice.pvc");
        terms.serial = 0x1001;
        aliceCert = certs::signMembership(caKey, caCert, certs::createCsr(aliceKey, terms.name).value(), terms).value();
        QString error;
        require(store.open(dir.path(), &error), "the broker store opens");
        hub = std::make_unique<broker::BrokerHub>(&store, BrokerFingerprint);
    }

    // As the server's transport does once the hub closed a session (this one's, or another's it replaced):
    // the session is released, and the harness forgets its client.
    void releaseClosed()
    {
        for (auto it = clients.begin(); it != clients.end();) {
            if (!it->closed) {
                ++it;
                continue;
            }
            hub->closeSession(it->session);
            for (Client*& slot : byRole)
                if (slot == &*it)
                    slot = nullptr;
            it = clients.erase(it);
        }
    }

    Client* client(int role)
    {
        Client*& slot = byRole[role];
        if (slot && !slot->closed)
            return slot;
        Client& made = clients.emplace_back();
        made.session = hub->openSession(
            QStringLiteral("198.19.0.5:40000"),
            [&made](const QJsonObject& message) {
                ++made.received;
                if (made.nonce.isEmpty())
                    if (const auto challenge = bp::Challenge::parse(message))
                        made.nonce = challenge->nonce;
            },
            [&made] { made.closed = true; });
        if (role > 0) {
            bp::Hello hello;
            hello.project = project;
            hello.caPem = caCert;
            hello.role = role == 1 ? BrokerRole::Guest : role == 2 ? BrokerRole::Member : BrokerRole::Master;
            if (role == 2)
                hello.certificatePem = aliceCert;
            if (role >= 2)
                hello.signature
                    = keys::sign(role == 2 ? aliceKey : caKey, bp::helloSigningText(made.nonce, BrokerFingerprint))
                          .value();
            hub->handleMessage(made.session, hello.toJson());
            require(!made.closed, "a genuine hello is accepted");
        }
        slot = &made;
        return slot;
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size < 1 || size > 64 * 1024) // a frame's limit (docs/protocol.md 1)
        return 0;
    static World world;
    const QJsonObject message
        = QJsonDocument::fromJson(QByteArray::fromRawData(reinterpret_cast<const char*>(data + 1), qsizetype(size - 1)))
              .object();
    Client* client = world.client(data[0] % 4);
    world.hub->handleMessage(client->session, message);
    world.releaseClosed();
    require(world.hub->sessionCount() <= 4, "closed sessions are released: one open per role at most");
    return 0;
}
