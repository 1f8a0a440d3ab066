#include "brokerhubfixture.h"

using namespace brokerhubtest;

// The broker's message handling without sockets (broker/brokerhub.h, docs/protocol.md 2): what each
// client is sent and when it is closed, for hellos, the enrolment queue, revocations, presence and
// relay streams.
class TstBrokerHub : public QObject, BrokerHubFixture {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { makeIdentities(); }

    void init() { openHub(); }

    void cleanup() { closeHub(); }

    void challengeFirst()
    {
        Client* client = newClient();
        QCOMPARE(client->inbox.size(), 1);
        const auto challenge = bp::Challenge::parse(client->inbox[0]);
        QCOMPARE(client->lastType(), QStringLiteral("challenge"));
        QCOMPARE(challenge->nonce.size(), 32);
        QVERIFY(bp::isValidId(challenge->session));
    }

    void helloRequiredFirst()
    {
        Client* client = newClient();
        m_hub->handleMessage(client->session, enrol("0123456789abcdef"));
        QCOMPARE(client->lastError(), QStringLiteral("hello.required"));
        QVERIFY(client->closed);
    }

    void guestIsWelcomedOnce()
    {
        Client* guest = newClient();
        hello(guest, BrokerRole::Guest);
        QCOMPARE(guest->lastType(), QStringLiteral("welcome"));
        const auto welcome = bp::Welcome::parse(guest->last());
        QCOMPARE(welcome->observed, QStringLiteral("198.19.0.5:40000"));
        QCOMPARE(welcome->relayTag, 0u); // guests get no relay tag
        QCOMPARE(welcome->stunAltPort, quint16(41234));
        QVERIFY(!guest->closed);
        hello(guest, BrokerRole::Guest);
        QCOMPARE(guest->lastError(), QStringLiteral("hello.repeated"));
        QVERIFY(guest->closed);
    }

    void wrongCaRefused()
    {
        Client* client = newClient();
        QJsonObject message = bp::Hello { m_project, "not a CA", BrokerRole::Guest, {}, {} }.toJson();
        message.insert(QStringLiteral("project"), QString(64, QLatin1Char('0')));
        m_hub->handleMessage(client->session, message);
        QCOMPARE(client->lastError(), QStringLiteral("hello.bad_project"));
        QVERIFY(client->closed);
    }

    void unknownRoleRefused()
    {
        Client* client = newClient();
        QJsonObject message = bp::Hello { m_project, m_caCert, BrokerRole::Guest, {}, {} }.toJson();
        message.insert(QStringLiteral("role"), QStringLiteral("admin"));
        m_hub->handleMessage(client->session, message);
        QCOMPARE(client->lastError(), QStringLiteral("hello.bad_role"));
    }

    void masterMustSignForThisBroker()
    {
        Client* forged = newClient();
        hello(forged, BrokerRole::Master, m_aliceKey);
        QCOMPARE(forged->lastError(), QStringLiteral("hello.bad_signature"));
        QVERIFY(forged->closed);
        // Signed by the CA, but for another broker's TLS certificate: a replay is refused.
        Client* replayed = newClient();
        hello(replayed, BrokerRole::Master, m_caKey, {}, QByteArray(32, '\x01'));
        QCOMPARE(replayed->lastError(), QStringLiteral("hello.bad_signature"));
        Client* real = master();
        QCOMPARE(real->lastType(), QStringLiteral("welcome"));
        QVERIFY(!real->closed);
    }

    void memberHelloChecksCertificateAndKey()
    {
        Client* stolen = newClient();
        hello(stolen, BrokerRole::Member, m_bobKey, m_aliceCert); // alice's certificate, bob's key
        QCOMPARE(stolen->lastError(), QStringLiteral("hello.bad_signature"));
        Client* selfMade = newClient();
        hello(selfMade, BrokerRole::Member, m_aliceKey, m_caCert); // the CA itself is no membership
        QCOMPARE(selfMade->lastError(), QStringLiteral("hello.bad_certificate"));
        QVERIFY(selfMade->closed);

        Client* a = alice();
        const auto welcome = bp::Welcome::parse(a->ofType("welcome").value(0));
        QVERIFY(welcome);
        QVERIFY(welcome->relayTag != 0);
        QVERIFY(!a->closed);
    }

    void presenceFansOut()
    {
        Client* m = master();
        Client* a = alice();
        const auto online = bp::Presence::parse(m->last());
        QCOMPARE(m->lastType(), QStringLiteral("presence"));
        QCOMPARE(online->name, QStringLiteral("alice"));
        QVERIFY(online->online);
        QCOMPARE(online->tcp, QStringLiteral("198.19.0.5:40000"));
        QCOMPARE(online->certificatePem, m_aliceCert);

        // bob gets alice in his snapshot; alice hears that bob arrived.
        Client* b = bob();
        QCOMPARE(bp::Presence::parse(b->ofType("presence").value(0))->name, QStringLiteral("alice"));
        QCOMPARE(bp::Presence::parse(a->last())->name, QStringLiteral("bob"));

        // A member that leaves is announced offline with a last-seen time.
        m_hub->closeSession(a->session);
        const auto gone = bp::Presence::parse(b->last());
        QCOMPARE(gone->name, QStringLiteral("alice"));
        QVERIFY(!gone->online);
        QVERIFY(gone->lastSeen.isValid());
        QVERIFY(gone->tcp.isEmpty());
    }

    void enrolmentQueue()
    {
        Client* guest = newClient();
        hello(guest, BrokerRole::Guest);
        m_hub->handleMessage(guest->session, enrol("NOT-HEX"));
        QCOMPARE(guest->lastError(), QStringLiteral("enrol.bad_request"));
        QVERIFY(!guest->closed);

        m_hub->handleMessage(guest->session, enrol("0123456789abcdef"));
        QCOMPARE(guest->lastType(), QStringLiteral("enrol-queued"));
        QCOMPARE(bp::EnrolQueued::parse(guest->last())->masterOnline, false);

        // A master that arrives later is handed the pending request.
        Client* m = master();
        QCOMPARE(m->ofType("enrol"), QList<QJsonObject> { enrol("0123456789abcdef") });
        const bp::EnrolResult refused { QStringLiteral("0123456789abcdef"), false, std::nullopt,
            QStringLiteral("enrol.token_invalid"), QStringLiteral("no") };
        m_hub->handleMessage(m->session, refused.toJson());
        QCOMPARE(guest->last(), refused.toJson());

        // The answer is kept: asking again gets it at once, without the master.
        Client* again = newClient();
        hello(again, BrokerRole::Guest);
        m_hub->handleMessage(again->session, enrol("0123456789abcdef"));
        QCOMPARE(again->last(), refused.toJson());

        // An approval whose certificate is not from the CA is refused to the master and not passed on.
        m_hub->handleMessage(guest->session, enrol("00000000000000000000000000000001"));
        const int before = guest->inbox.size();
        m_hub->handleMessage(m->session,
            bp::EnrolResult {
                QStringLiteral("00000000000000000000000000000001"), true, QString::fromLatin1(m_caCert), {}, {} }
                .toJson());
        QCOMPARE(m->lastError(), QStringLiteral("enrol.bad_certificate"));
        QCOMPARE(guest->inbox.size(), before);
    }

    void enrolmentLimitPerGuest()
    {
        Client* guest = newClient();
        hello(guest, BrokerRole::Guest);
        for (const char* id : { "0000000000000001", "0000000000000002", "0000000000000003", "0000000000000004" }) {
            m_hub->handleMessage(guest->session, enrol(id));
            QCOMPARE(guest->lastType(), QStringLiteral("enrol-queued"));
        }
        m_hub->handleMessage(guest->session, enrol("0000000000000004")); // a repeat is not a new request
        QCOMPARE(guest->lastType(), QStringLiteral("enrol-queued"));
        m_hub->handleMessage(guest->session, enrol("0000000000000005"));
        QCOMPARE(guest->lastError(), QStringLiteral("enrol.too_many"));
    }

    void rolesLimitMessages()
    {
        Client* guest = newClient();
        hello(guest, BrokerRole::Guest);
        m_hub->handleMessage(guest->session, bp::RelayOpen { QStringLiteral("0123456789abcdef"), {}, {} }.toJson());
        QCOMPARE(guest->lastError(), QStringLiteral("broker.unexpected"));
        QVERIFY(!guest->closed);
        Client* a = alice();
        m_hub->handleMessage(a->session, enrol("0123456789abcdef"));
        QCOMPARE(a->lastError(), QStringLiteral("broker.unexpected"));
    }

    void revocationClosesMember()
    {
        Client* m = master();
        Client* a = alice();
        Client* b = bob();
        RevocationList list;
        list.project = m_project;
        list.version = 1;
        list.issued = QDateTime::currentDateTimeUtc();
        list.serials = { m_aliceSerial };
        const QJsonObject push
            = bp::SignedDocument { bp::SignedDocument::Kind::Revocations, list.sign(m_caKey).value() }.toJson();
        m_hub->handleMessage(m->session, push);
        QCOMPARE(b->last(), push);
        QVERIFY(!b->closed);
        QCOMPARE(a->lastError(), QStringLiteral("hello.revoked"));
        QVERIFY(a->closed);

        // Signed by someone else: refused to the master, stored nowhere.
        list.version = 2;
        const QJsonObject forged
            = bp::SignedDocument { bp::SignedDocument::Kind::Revocations, list.sign(m_bobKey).value() }.toJson();
        m_hub->handleMessage(m->session, forged);
        QCOMPARE(m->lastError(), QStringLiteral("revocation.bad_signature"));
        QCOMPARE(m_store->documentVersion(m_project, QStringLiteral("revocations")), qint64(1));

        // A revoked member that comes back is shown the list, then refused.
        m_hub->closeSession(a->session);
        Client* back = alice();
        QCOMPARE(back->ofType("revocations").value(0), push);
        QCOMPARE(back->lastError(), QStringLiteral("hello.revoked"));
        QVERIFY(back->ofType("welcome").isEmpty());
    }

    void relayStreams()
    {
        Client* a = alice();
        Client* b = bob();
        const QString stream = QStringLiteral("00112233445566778899aabbccddeeff");
        m_hub->handleMessage(a->session, bp::RelayOpen { stream, QStringLiteral("carol"), {} }.toJson());
        QCOMPARE(a->last(), (bp::RelayClose { stream, QStringLiteral("relay.peer_offline") }.toJson()));
        m_hub->handleMessage(a->session, bp::RelayOpen { stream, QStringLiteral("alice"), {} }.toJson());
        QCOMPARE(a->last(), (bp::RelayClose { stream, QStringLiteral("relay.self") }.toJson()));

        m_hub->handleMessage(a->session, bp::RelayOpen { stream, QStringLiteral("bob"), {} }.toJson());
        QCOMPARE(b->last(), (bp::RelayOpen { stream, {}, QStringLiteral("alice") }.toJson()));
        m_hub->handleMessage(b->session, bp::RelayData { stream, QStringLiteral("AAEC") }.toJson());
        QCOMPARE(a->last(), (bp::RelayData { stream, QStringLiteral("AAEC") }.toJson()));
        m_hub->handleMessage(a->session, bp::RelayOpen { stream, QStringLiteral("bob"), {} }.toJson());
        QCOMPARE(a->lastError(), QStringLiteral("relay.bad_stream")); // duplicate id

        // The end that goes away closes the stream for the other.
        m_hub->closeSession(b->session);
        QCOMPARE(
            a->ofType("relay-close").last(), (bp::RelayClose { stream, QStringLiteral("relay.peer_gone") }.toJson()));
        m_hub->handleMessage(a->session, bp::RelayData { stream, QStringLiteral("AAEC") }.toJson());
        QCOMPARE(a->lastError(), QStringLiteral("relay.bad_stream"));
    }

    void udpRelayRoutes()
    {
        Client* a = alice();
        Client* b = bob();
        const quint32 aliceTag = bp::Welcome::parse(a->ofType("welcome").value(0))->relayTag;
        const quint32 bobTag = bp::Welcome::parse(b->ofType("welcome").value(0))->relayTag;
        QVERIFY(!m_hub->relayRoute(QStringLiteral("198.19.0.5:5000"), bobTag)); // sender's endpoint not observed
        m_hub->observeUdpEndpoint(a->session->id, QStringLiteral("198.19.0.5:5000"));
        QVERIFY(!m_hub->relayRoute(QStringLiteral("198.19.0.5:5000"), bobTag)); // bob's endpoint unknown
        m_hub->observeUdpEndpoint(b->session->id, QStringLiteral("198.19.0.6:6000"));
        // The new endpoint is announced with the relay tag.
        const auto presence = bp::Presence::parse(a->last());
        QCOMPARE(presence->udp, QStringLiteral("198.19.0.6:6000"));
        QCOMPARE(presence->relayTag, bobTag);
        const auto route = m_hub->relayRoute(QStringLiteral("198.19.0.5:5000"), bobTag);
        QVERIFY(route);
        QCOMPARE(route->fromTag, aliceTag);
        QCOMPARE(route->toEndpoint, QStringLiteral("198.19.0.6:6000"));
        QVERIFY(!m_hub->relayRoute(QStringLiteral("198.19.0.5:5000"), aliceTag)); // not to oneself
    }
};

QTEST_GUILESS_MAIN(TstBrokerHub)
#include "tst_brokerhub.moc"
