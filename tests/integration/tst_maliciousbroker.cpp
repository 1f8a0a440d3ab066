// Issue 2, check 4: a broker cannot forge a member. This test is the broker, and it lies:
// certificates from another CA, tampered certificates, a real certificate under another name,
// a forged revocation list, a relay from a forged member, and a forged enrolment answer.
#include "fakebroker.h"
#include "ipc/frame.h"
#include "security/certificates.h"
#include "security/creditstatement.h"
#include "security/keys.h"
#include "security/policy.h"
#include "security/revocationlist.h"
#include "testgrid.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>
#include <QThread>

using namespace pvc;
using pvc::test::TestGrid;

namespace {

struct Ca {
    QByteArray key;
    QByteArray cert;
};

Ca makeCa(const QString& name)
{
    const auto key = core::keys::generateEd25519();
    return Ca { key->privatePem, *core::certs::createCaCertificate(key->privatePem, name, 10) };
}

// A membership certificate for a fresh key, signed by `ca`.
QByteArray member(const Ca& ca, const QString& name, const QString& ip, quint64 serial, QByteArray* keyOut = nullptr)
{
    const auto key = core::keys::generateEd25519();
    if (keyOut)
        *keyOut = key->privatePem;
    core::certs::MembershipTerms terms;
    terms.name = name;
    terms.virtualIp = ip;
    terms.dnsName = name + QStringLiteral(".pvc");
    terms.groups = { QStringLiteral("volunteer") };
    terms.serial = serial;
    return *core::certs::signMembership(ca.key, ca.cert, *core::certs::createCsr(key->privatePem, name), terms);
}

// Flips one byte inside the signature at the end of the DER encoding.
QByteArray tamper(const QByteArray& pem)
{
    QByteArray base64;
    for (const QByteArray& line : pem.split('\n'))
        if (!line.startsWith("-----"))
            base64 += line;
    QByteArray der = QByteArray::fromBase64(base64);
    der[der.size() - 10] = char(der[der.size() - 10] ^ 0x01);
    return "-----BEGIN CERTIFICATE-----\n" + der.toBase64() + "\n-----END CERTIFICATE-----\n";
}

QJsonObject presence(const QString& name, const QByteArray& cert)
{
    QJsonObject message = ipc::makeMessage("presence");
    message.insert(QStringLiteral("name"), name);
    message.insert(QStringLiteral("cert"), QString::fromLatin1(cert));
    message.insert(QStringLiteral("online"), true);
    message.insert(QStringLiteral("last_seen"), QDateTime::currentDateTimeUtc().toString(Qt::ISODate));
    return message;
}

} // namespace

class TstMaliciousBroker : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void forgedMembersAreRefused();
    void forgedEnrolmentAnswerIsRefused();
    void forgedAndOldCreditStatementsAreRefused();
    void olderListAndPolicyAreRefused();

private:
    void startFakeBroker(FakeBroker::Script script);
    void welcomeThenSend(const QList<QJsonObject>& messages);
    // alice's key and master-signed membership in her state directory; her certificate.
    QByteArray makeAliceMember();

    TestGrid* m_grid = nullptr;
    Ca m_projectCa;
    QThread* m_thread = nullptr;
    FakeBroker* m_broker = nullptr;
};

void TstMaliciousBroker::init()
{
    m_grid = new TestGrid;
    // Unpinned: the fake broker stands in for a genuine one that misbehaves, and is reached.
    QVERIFY(m_grid->init(1, TestGrid::Pinning::Unpinned));
    QFile key(m_grid->masterDir() + QStringLiteral("/ca.key"));
    QFile cert(m_grid->masterDir() + QStringLiteral("/ca.crt"));
    QVERIFY(key.open(QIODevice::ReadOnly) && cert.open(QIODevice::ReadOnly));
    m_projectCa = Ca { key.readAll(), cert.readAll() };
}

void TstMaliciousBroker::cleanup()
{
    delete m_grid; // stops pvcd first, so the fake broker's sockets close quietly
    m_grid = nullptr;
    if (m_thread) {
        m_thread->quit();
        m_thread->wait();
        delete m_thread;
        m_thread = nullptr;
    }
}

// A fake broker that welcomes pvcd's hello and then sends these messages, in order, on the same connection.
void TstMaliciousBroker::welcomeThenSend(const QList<QJsonObject>& messages)
{
    startFakeBroker([=](FakeBroker* broker, const QJsonObject& received) {
        if (ipc::messageType(received) != QLatin1String("hello"))
            return;
        QJsonObject welcome = ipc::makeMessage("welcome");
        welcome.insert(QStringLiteral("session"), QStringLiteral("00112233445566778899aabbccddeeff"));
        broker->send(welcome);
        for (const QJsonObject& message : messages)
            broker->send(message);
    });
}

void TstMaliciousBroker::startFakeBroker(FakeBroker::Script script)
{
    const quint16 port = m_grid->brokerAddresses().at(0).section(QLatin1Char(':'), 1).toUShort();
    m_thread = new QThread;
    m_broker = new FakeBroker(port, std::move(script));
    m_broker->moveToThread(m_thread);
    connect(m_thread, &QThread::finished, m_broker, &QObject::deleteLater);
    m_thread->start();
    QMetaObject::invokeMethod(m_broker, &FakeBroker::listen, Qt::BlockingQueuedConnection);
}

QByteArray TstMaliciousBroker::makeAliceMember()
{
    QByteArray aliceKey;
    const QByteArray aliceCert
        = member(m_projectCa, QStringLiteral("alice"), QStringLiteral("240.9.0.2"), 0x2001, &aliceKey);
    QDir().mkpath(m_grid->stateDir(QStringLiteral("alice")));
    QString error;
    core::keys::writePrivateKeyFile(
        m_grid->stateDir(QStringLiteral("alice")) + QStringLiteral("/host.key"), aliceKey, &error);
    QFile membership(m_grid->stateDir(QStringLiteral("alice")) + QStringLiteral("/membership.crt"));
    if (membership.open(QIODevice::WriteOnly))
        membership.write(aliceCert);
    return aliceCert;
}

void TstMaliciousBroker::forgedMembersAreRefused()
{
    // alice is a genuine member: her certificate is signed by the project's master.
    const QByteArray aliceCert = makeAliceMember();
    QVERIFY(QFileInfo::exists(m_grid->stateDir(QStringLiteral("alice")) + QStringLiteral("/membership.crt")));

    const Ca otherCa = makeCa(QStringLiteral("Test Grid"));
    const QByteArray bobCert = member(m_projectCa, QStringLiteral("bob"), QStringLiteral("240.9.0.3"), 0x2002);
    const QByteArray eveCert = tamper(member(m_projectCa, QStringLiteral("eve"), QStringLiteral("240.9.0.4"), 0x2003));
    const QByteArray malloryCert = member(otherCa, QStringLiteral("mallory"), QStringLiteral("240.9.0.5"), 0x2004);

    // A revocation list that revokes alice, signed by a key that is not the master's.
    core::RevocationList forgedList;
    forgedList.project = core::certs::parseCertificate(m_projectCa.cert)->fingerprint;
    forgedList.version = 99;
    forgedList.issued = QDateTime::currentDateTimeUtc();
    forgedList.serials = { core::certs::parseCertificate(aliceCert)->serialHex };
    const QJsonObject forgedRevocations = *forgedList.sign(otherCa.key);

    QJsonObject revocations = ipc::makeMessage("revocations");
    revocations.insert(QStringLiteral("list"), forgedRevocations);
    QJsonObject relay = ipc::makeMessage("relay-open");
    relay.insert(QStringLiteral("stream"), QStringLiteral("abcdefabcdefabcdefabcdefabcdefab"));
    relay.insert(QStringLiteral("from"), QStringLiteral("mallory"));
    welcomeThenSend({ revocations, presence(QStringLiteral("mallory"), malloryCert), // another CA
        presence(QStringLiteral("eve"), eveCert), // tampered
        presence(QStringLiteral("trent"), bobCert), // genuine, but not trent's
        presence(QStringLiteral("bob"), bobCert), // genuine
        relay });
    m_grid->startHost(QStringLiteral("alice"));

    QVERIFY(TestGrid::waitFor([&] { return m_grid->peers(QStringLiteral("alice")).size() == 4; }, 10000));
    const QJsonObject mallory = m_grid->peer(QStringLiteral("alice"), QStringLiteral("mallory"));
    const QJsonObject eve = m_grid->peer(QStringLiteral("alice"), QStringLiteral("eve"));
    const QJsonObject trent = m_grid->peer(QStringLiteral("alice"), QStringLiteral("trent"));
    const QJsonObject bob = m_grid->peer(QStringLiteral("alice"), QStringLiteral("bob"));
    QCOMPARE(mallory.value(QLatin1String("status")).toString(), QStringLiteral("rejected"));
    QCOMPARE(mallory.value(QLatin1String("error")).toString(), QStringLiteral("cert.untrusted"));
    QCOMPARE(eve.value(QLatin1String("status")).toString(), QStringLiteral("rejected"));
    QVERIFY(eve.value(QLatin1String("error")).toString().startsWith(QLatin1String("cert.")));
    QCOMPARE(trent.value(QLatin1String("status")).toString(), QStringLiteral("rejected"));
    QCOMPARE(trent.value(QLatin1String("error")).toString(), QStringLiteral("cert.name_mismatch"));
    // The genuine certificate is believed (bob is simply never reachable through this broker).
    QVERIFY(bob.value(QLatin1String("status")).toString() != QLatin1String("rejected"));
    QCOMPARE(bob.value(QLatin1String("virtual_ip")).toString(), QStringLiteral("240.9.0.3"));

    // The forged revocation list changed nothing, and the forged member's relay was refused.
    const QJsonObject status = m_grid->status(QStringLiteral("alice"));
    QCOMPARE(status.value(QLatin1String("state")).toString(), QStringLiteral("member"));
    QVERIFY(status.value(QLatin1String("revocation_version")).toInteger() < 99);
    QVERIFY(TestGrid::waitFor(
        [&] {
            for (const QJsonObject& message : m_broker->received())
                if (ipc::messageType(message) == QLatin1String("relay-close")
                    && message.value(QLatin1String("stream")).toString()
                        == QLatin1String("abcdefabcdefabcdefabcdefabcdefab"))
                    return message.value(QLatin1String("error")).toString() == QLatin1String("peer.unknown");
            return false;
        },
        5000));
    QVERIFY(m_grid->pvc(QStringLiteral("alice"), { QStringLiteral("ping"), QStringLiteral("mallory") }).exitCode != 0);
}

void TstMaliciousBroker::forgedEnrolmentAnswerIsRefused()
{
    // The broker sees the CSR, so it can make a certificate for the right key and name, but only
    // with a CA of its own.
    const Ca otherCa = makeCa(QStringLiteral("Test Grid"));
    startFakeBroker([=](FakeBroker* broker, const QJsonObject& received) {
        const QString type = ipc::messageType(received);
        if (type == QLatin1String("hello")) {
            QJsonObject welcome = ipc::makeMessage("welcome");
            welcome.insert(QStringLiteral("session"), QStringLiteral("00112233445566778899aabbccddeeff"));
            broker->send(welcome);
        } else if (type == QLatin1String("enrol")) {
            core::certs::MembershipTerms terms;
            terms.name = received.value(QLatin1String("name")).toString();
            terms.virtualIp = QStringLiteral("240.9.0.66");
            terms.dnsName = terms.name + QStringLiteral(".pvc");
            terms.serial = 0x6666;
            const auto cert = core::certs::signMembership(
                otherCa.key, otherCa.cert, received.value(QLatin1String("csr")).toString().toLatin1(), terms);
            QJsonObject answer = ipc::makeMessage("enrol-result");
            answer.insert(QStringLiteral("id"), received.value(QLatin1String("id")));
            answer.insert(QStringLiteral("ok"), true);
            answer.insert(QStringLiteral("cert"), QString::fromLatin1(cert ? *cert : QByteArray()));
            broker->send(answer);
        }
    });
    m_grid->startHost(QStringLiteral("zed"));
    const auto join = m_grid->pvc(QStringLiteral("zed"),
        { QStringLiteral("join"), QStringLiteral("--invite"),
            QStringLiteral("pvc1-0123456789abcdef-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), QStringLiteral("--name"),
            QStringLiteral("zed"), QStringLiteral("--timeout"), QStringLiteral("3") });
    QCOMPARE(join.exitCode, 2);
    QVERIFY2(join.err.contains(QLatin1String("enrol.bad_certificate")), qPrintable(join.err));
    QVERIFY(m_grid->status(QStringLiteral("zed")).value(QLatin1String("state")).toString() != QLatin1String("member"));
    QVERIFY(!QFileInfo::exists(m_grid->stateDir(QStringLiteral("zed")) + QStringLiteral("/membership.crt")));
}

// Issue 12, check 4: credit statements a broker forged, altered, addressed to someone else or replayed from the
// past are refused; the volunteer's credit shown stays the genuine, newest one, also after a restart.
void TstMaliciousBroker::forgedAndOldCreditStatementsAreRefused()
{
    makeAliceMember();
    const QString project = core::certs::parseCertificate(m_projectCa.cert)->fingerprint;
    const auto statement = [&](const QString& host, qint64 version, double total, const QByteArray& key) {
        core::CreditStatement s;
        s.project = project;
        s.host = host;
        s.version = version;
        s.issued = QDateTime::currentDateTimeUtc();
        s.total = total;
        s.certifiedTasks = qint64(total);
        s.recentAverage = total / 7;
        s.history = { { QDateTime::currentDateTimeUtc().date(), total } };
        QJsonObject message = ipc::makeMessage("credits");
        message.insert(QStringLiteral("host"), host);
        message.insert(QStringLiteral("statement"), *s.sign(key));
        return message;
    };
    const QJsonObject genuine = statement(QStringLiteral("alice"), 5, 10, m_projectCa.key);
    const QJsonObject forged = statement(QStringLiteral("alice"), 6, 1000, makeCa(QStringLiteral("Test Grid")).key);
    QJsonObject altered = statement(QStringLiteral("alice"), 7, 20, m_projectCa.key);
    QJsonObject body = altered[QStringLiteral("statement")].toObject();
    QJsonObject inner = body[QStringLiteral("body")].toObject();
    inner[QStringLiteral("total")] = 999; // the broker adds a few credits on the way
    body[QStringLiteral("body")] = inner;
    altered[QStringLiteral("statement")] = body;
    const QJsonObject someoneElse = statement(QStringLiteral("bob"), 8, 50, m_projectCa.key);
    const QJsonObject older = statement(QStringLiteral("alice"), 3, 2, m_projectCa.key);
    welcomeThenSend({ genuine, forged, altered, someoneElse, older });
    const auto credits = [&] {
        return QJsonDocument::fromJson(
            m_grid->pvc(QStringLiteral("alice"), { QStringLiteral("credits"), QStringLiteral("--json") }).out.toUtf8())
            .object();
    };
    m_grid->startHost(QStringLiteral("alice"));
    QVERIFY2(TestGrid::waitFor([&] { return credits().value(QLatin1String("refused")).toInt() == 4; }, 10000),
        QJsonDocument(credits()).toJson().constData());
    QCOMPARE(credits().value(QLatin1String("total")).toDouble(), 10.0);
    QCOMPARE(credits().value(QLatin1String("version")).toInteger(), 5);
    QVERIFY2(credits().value(QLatin1String("last_refusal")).toString().startsWith(QLatin1String("credits.rolled_back")),
        qPrintable(credits().value(QLatin1String("last_refusal")).toString()));

    // Restarted, pvcd shows what it kept, and the same broker's replay changes nothing.
    m_grid->stopHost(QStringLiteral("alice"), false);
    m_grid->startHost(QStringLiteral("alice"));
    QVERIFY(TestGrid::waitFor([&] { return credits().value(QLatin1String("refused")).toInt() == 4; }, 10000));
    QCOMPARE(credits().value(QLatin1String("total")).toDouble(), 10.0);
}

// Issue 15: a broker that replays the master's older, genuine revocation list (one that named this host) or
// older global policy after a newer one changes nothing: the rollback guards keep the newest versions.
void TstMaliciousBroker::olderListAndPolicyAreRefused()
{
    const QByteArray aliceCert = makeAliceMember();
    const QString project = core::certs::parseCertificate(m_projectCa.cert)->fingerprint;
    const auto list = [&](qint64 version, const QSet<QString>& serials) {
        core::RevocationList l;
        l.project = project;
        l.version = version;
        l.issued = QDateTime::currentDateTimeUtc();
        l.serials = serials;
        QJsonObject message = ipc::makeMessage("revocations");
        message.insert(QStringLiteral("list"), *l.sign(m_projectCa.key));
        return message;
    };
    const auto policy = [&](qint64 version, const char* rules) {
        core::SignedPolicy p;
        p.project = project;
        p.version = version;
        p.issued = QDateTime::currentDateTimeUtc();
        p.policy = *core::Policy::parse(QByteArray(R"({"format":"pvc-policy-1","rules":[)") + rules + "]}");
        QJsonObject message = ipc::makeMessage("policy");
        message.insert(QStringLiteral("policy"), *p.sign(m_projectCa.key));
        return message;
    };
    const QString aliceSerial = core::certs::parseCertificate(aliceCert)->serialHex;
    const QJsonObject newList = list(3, {});
    const QJsonObject oldList = list(2, { aliceSerial }); // genuine, older: it named alice
    const QJsonObject newPolicy = policy(7, "");
    const QJsonObject oldPolicy = policy(6, R"({"from":"any","to":"any","proto":"tcp","ports":"22"})");
    // Newer ones after the old ones, on the same connection: once they are in force, the old ones were seen.
    const QJsonObject lastList = list(4, {});
    const QJsonObject lastPolicy = policy(8, "");
    welcomeThenSend({ newList, newPolicy, oldList, oldPolicy, lastList, lastPolicy });
    m_grid->startHost(QStringLiteral("alice"));
    const auto globalVersion = [&] {
        return m_grid->status(QStringLiteral("alice"))
            .value(QLatin1String("policy"))
            .toObject()
            .value(QLatin1String("global_version"))
            .toInt();
    };
    QVERIFY(TestGrid::waitFor(
        [&] {
            return m_grid->status(QStringLiteral("alice")).value(QLatin1String("revocation_version")).toInt() == 4
                && globalVersion() == 8;
        },
        10000));
    QCOMPARE(
        m_grid->status(QStringLiteral("alice")).value(QLatin1String("state")).toString(), QStringLiteral("member"));
    const QString logs = m_grid->allLogs();
    QVERIFY(logs.contains(QLatin1String("global policy version 7 with")));
    QVERIFY2(!logs.contains(QLatin1String("global policy version 6 with")), "the older policy was taken");
    QVERIFY(!logs.contains(QLatin1String("membership was revoked")));
}

QTEST_GUILESS_MAIN(TstMaliciousBroker)
#include "tst_maliciousbroker.moc"
