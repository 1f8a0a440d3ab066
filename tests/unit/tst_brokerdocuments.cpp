#include "brokerhubfixture.h"

using namespace brokerhubtest;

// The broker's handling of what the master signs or renews (docs/protocol.md 2.4, 2.6): certificate renewals
// routed to the masters and back, and signed documents never rolled back to an older version.
class TstBrokerDocuments : public QObject, BrokerHubFixture {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { makeIdentities(); }
    void init() { openHub(); }
    void cleanup() { closeHub(); }

    // Renewals (docs/protocol.md 3.3) go to the masters online, never queued; a member renews only itself;
    // the answer reaches the asker, and the renewed member's presence carries the new certificate.
    void renewalRouting()
    {
        Client* a = alice();
        const auto renew = [](const char* id, const char* name) {
            return bp::Renew { QLatin1String(id), QLatin1String(name), QStringLiteral("CSR") }.toJson();
        };
        m_hub->handleMessage(a->session, renew("0123456789abcdef", "alice"));
        QCOMPARE(a->lastError(), QStringLiteral("renew.no_master"));
        Client* m = master();
        Client* b = bob();
        m_hub->handleMessage(a->session, renew("0123456789abcdef", "bob"));
        QCOMPARE(a->lastError(), QStringLiteral("renew.not_yours"));
        QVERIFY(m->ofType("renew").isEmpty());
        m_hub->handleMessage(a->session, renew("0123456789abcdef", "alice"));
        QCOMPARE(m->ofType("renew"), QList<QJsonObject> { renew("0123456789abcdef", "alice") });

        // A certificate that is not the CA's is refused to the master and not passed on.
        bp::EnrolResult forged { QStringLiteral("0123456789abcdef"), true, QString::fromLatin1(m_caCert), {}, {} };
        forged.renewal = true;
        const int before = a->inbox.size();
        m_hub->handleMessage(m->session, forged.toJson());
        QCOMPARE(m->lastError(), QStringLiteral("renew.bad_certificate"));
        QCOMPARE(a->inbox.size(), before);

        const QByteArray renewed = member(QStringLiteral("alice"), m_aliceKey, 0x2001, QStringLiteral("240.7.0.2"));
        bp::EnrolResult answer { QStringLiteral("0123456789abcdef"), true, QString::fromLatin1(renewed), {}, {} };
        answer.renewal = true;
        m_hub->handleMessage(m->session, answer.toJson());
        QCOMPARE(a->last(), answer.toJson());
        QCOMPARE(a->lastType(), QStringLiteral("renew-result"));
        const auto presence = bp::Presence::parse(b->last());
        QCOMPARE(presence->name, QStringLiteral("alice"));
        QCOMPARE(presence->certificatePem, renewed);
    }

    // Rollback guard: an older list or policy, genuinely signed (a master's old message replayed), is
    // neither stored nor passed on; the newer one stays what members are given.
    void olderDocumentsAreNotRolledBack()
    {
        Client* m = master();
        Client* b = bob();
        RevocationList list;
        list.project = m_project;
        list.issued = QDateTime::currentDateTimeUtc();
        const auto push = [&](qint64 version) {
            list.version = version;
            const QJsonObject message
                = bp::SignedDocument { bp::SignedDocument::Kind::Revocations, list.sign(m_caKey).value() }.toJson();
            m_hub->handleMessage(m->session, message);
            return message;
        };
        const QJsonObject newer = push(2);
        QCOMPARE(b->last(), newer);
        const int seen = b->inbox.size();
        push(1);
        push(2); // the same version again changes nothing either
        QCOMPARE(b->inbox.size(), seen);
        QCOMPARE(m_store->documentVersion(m_project, QStringLiteral("revocations")), qint64(2));
        Client* late = alice();
        QCOMPARE(late->ofType("revocations"), QList<QJsonObject> { newer });

        SignedPolicy policy;
        policy.project = m_project;
        policy.issued = QDateTime::currentDateTimeUtc();
        policy.policy = Policy::parse(R"({"format":"pvc-policy-1","rules":[]})").value();
        const auto pushPolicy = [&](qint64 version) {
            policy.version = version;
            const auto signedPolicy = policy.sign(m_caKey);
            QVERIFY2(signedPolicy.ok(), qPrintable(signedPolicy.error().code));
            m_hub->handleMessage(
                m->session, bp::SignedDocument { bp::SignedDocument::Kind::Policy, *signedPolicy }.toJson());
        };
        pushPolicy(5);
        pushPolicy(4);
        QCOMPARE(m_store->documentVersion(m_project, QStringLiteral("policy")), qint64(5));
    }
};

QTEST_GUILESS_MAIN(TstBrokerDocuments)
#include "tst_brokerdocuments.moc"
