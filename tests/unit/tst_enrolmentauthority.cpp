#include "master/enrolmentauthority.h"
#include "master/masterstore.h"
#include "protocol/brokermessages.h"
#include "security/certificates.h"
#include "security/invitetoken.h"
#include "security/keys.h"
#include "security/projectbundle.h"

#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <memory>

using namespace pvc::core;
using namespace pvc::master;

class TestEnrolmentAuthority : public QObject {
    Q_OBJECT

    QByteArray m_caKey;
    QByteArray m_caCert;
    ProjectBundle m_bundle;
    QByteArray m_aliceKey;
    QByteArray m_otherAliceKey;
    QByteArray m_bobKey;
    QByteArray m_carolKey;
    const QDateTime m_now = QDateTime(QDate(2030, 1, 15), QTime(9, 0, 0), Qt::UTC);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<MasterStore> m_store;
    std::unique_ptr<EnrolmentAuthority> m_authority;
    InviteToken m_token;
    int m_requests = 0;

    static QByteArray newKey()
    {
        const auto pair = keys::generateEd25519();
        return pair.ok() ? pair->privatePem : QByteArray();
    }

    QString nextRequestId() { return QStringLiteral("%1").arg(++m_requests, 32, 16, QLatin1Char('0')); }

    // A request as pvcd builds it: a CSR for the host key and the token's proof over name and CSR.
    QJsonObject request(
        const QString& name, const QByteArray& hostKey, const InviteToken& token, const QString& csrName = {})
    {
        return requestWithId(nextRequestId(), name, hostKey, token, csrName);
    }

    static QJsonObject requestWithId(const QString& requestId, const QString& name, const QByteArray& hostKey,
        const InviteToken& token, const QString& csrName = {})
    {
        const auto csr = certs::createCsr(hostKey, csrName.isEmpty() ? name : csrName);
        const QByteArray csrPem = csr.ok() ? *csr : QByteArray();
        return QJsonObject { { QStringLiteral("id"), requestId }, { QStringLiteral("name"), name },
            { QStringLiteral("csr"), QString::fromLatin1(csrPem) }, { QStringLiteral("token_id"), token.id },
            { QStringLiteral("proof"), QString::fromLatin1(token.proofFor(name, csrPem).toBase64()) } };
    }

    InviteToken addToken(int uses, const QDateTime& expires)
    {
        const InviteToken token = InviteToken::generate();
        m_store->addToken({ token.id, token.secret, uses, expires, {} });
        return token;
    }

    int usesLeft(const InviteToken& token) const
    {
        const auto stored = m_store->token(token.id);
        return stored ? stored->usesLeft : -1;
    }

    // Checks that the answer approves the request with a certificate from our CA, and returns it.
    static certs::CertificateInfo approvedCertificate(
        const QJsonObject& answer, const QByteArray& caCert, const QJsonObject& request)
    {
        if (!answer.value(QLatin1String("ok")).toBool())
            qWarning() << "refused:" << answer;
        if (answer.value(QLatin1String("id")).toString() != request.value(QLatin1String("id")).toString()
            || !answer.value(QLatin1String("ok")).toBool())
            return {};
        const auto info = certs::verifyMembership(
            answer.value(QLatin1String("cert")).toString().toLatin1(), caCert, QDateTime::currentDateTimeUtc());
        if (!info.ok())
            qWarning() << "certificate does not verify:" << info.error().code << info.error().detail;
        return info.ok() ? *info : certs::CertificateInfo();
    }

    void expectRefusal(const QJsonObject& request, const char* code)
    {
        const QJsonObject answer = m_authority->decide(request);
        QCOMPARE(answer.value(QLatin1String("id")).toString(), request.value(QLatin1String("id")).toString());
        QCOMPARE(answer.value(QLatin1String("ok")).toBool(true), false);
        QCOMPARE(answer.value(QLatin1String("error")).toString(), QString::fromLatin1(code));
        QVERIFY(!answer.contains(QLatin1String("cert")));
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_caKey = newKey();
        QVERIFY(!m_caKey.isEmpty());
        const auto caCert = certs::createCaCertificate(m_caKey, QStringLiteral("alpha"), 365);
        QVERIFY2(caCert.ok(), qPrintable(caCert.error().detail));
        m_caCert = *caCert;

        ProjectBundle bundle;
        bundle.name = QStringLiteral("alpha");
        bundle.network = QStringLiteral("240.7.0.0/16");
        bundle.domain = QStringLiteral("pvc");
        bundle.brokers = { QStringLiteral("broker.example.org:7000") };
        bundle.caCertificatePem = m_caCert;
        const auto loaded = ProjectBundle::fromJson(bundle.toJson());
        QVERIFY2(loaded.ok(), qPrintable(loaded.error().code));
        m_bundle = *loaded;

        m_aliceKey = newKey();
        m_otherAliceKey = newKey();
        m_bobKey = newKey();
        m_carolKey = newKey();
        QVERIFY(!m_aliceKey.isEmpty() && !m_otherAliceKey.isEmpty() && !m_bobKey.isEmpty() && !m_carolKey.isEmpty());
    }

    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        m_store = std::make_unique<MasterStore>();
        QString error;
        QVERIFY2(m_store->open(m_dir->filePath(QStringLiteral("master.db")), &error), qPrintable(error));
        m_authority = std::make_unique<EnrolmentAuthority>(m_store.get(), m_bundle, m_caKey);
        m_authority->setClock([this] { return m_now; });
        m_token = addToken(2, m_now.addSecs(3600));
        QCOMPARE(usesLeft(m_token), 2);
    }

    void cleanup()
    {
        m_authority.reset();
        m_store.reset();
        m_dir.reset();
    }

    void validRequestApproved()
    {
        const QJsonObject alice = request(QStringLiteral("alice"), m_aliceKey, m_token);
        const certs::CertificateInfo info = approvedCertificate(m_authority->decide(alice), m_caCert, alice);
        QCOMPARE(info.commonName, QStringLiteral("alice"));
        QCOMPARE(info.virtualIp, QStringLiteral("240.7.0.2"));
        QCOMPARE(info.dnsName, QStringLiteral("alice.pvc"));
        QCOMPARE(info.publicKeyPem, keys::publicFromPrivate(m_aliceKey).value());
        QVERIFY(!info.isCa);
        QCOMPARE(usesLeft(m_token), 1);

        const auto host = m_store->host(QStringLiteral("alice"));
        QVERIFY(host.has_value());
        QCOMPARE(host->virtualIp, QStringLiteral("240.7.0.2"));
        QCOMPARE(host->serialHex, info.serialHex);
        QVERIFY(!host->revoked);
    }

    void repeatedRequestIsAnsweredOnce()
    {
        // The same request reaching the master through two brokers.
        const QJsonObject alice = request(QStringLiteral("alice"), m_aliceKey, m_token);
        const QJsonObject first = m_authority->decide(alice);
        QVERIFY(first.value(QLatin1String("ok")).toBool());
        QCOMPARE(usesLeft(m_token), 1);
        const QJsonObject second = m_authority->decide(alice);
        QCOMPARE(second, first);
        QCOMPARE(usesLeft(m_token), 1);
        QCOMPARE(m_store->hosts().size(), qsizetype(1));
    }

    void addressesAssignedInOrderUntilExhausted()
    {
        const QJsonObject alice = request(QStringLiteral("alice"), m_aliceKey, m_token);
        QCOMPARE(
            approvedCertificate(m_authority->decide(alice), m_caCert, alice).virtualIp, QStringLiteral("240.7.0.2"));
        const QJsonObject bob = request(QStringLiteral("bob"), m_bobKey, m_token);
        const certs::CertificateInfo bobInfo = approvedCertificate(m_authority->decide(bob), m_caCert, bob);
        QCOMPARE(bobInfo.virtualIp, QStringLiteral("240.7.0.3"));
        QCOMPARE(bobInfo.dnsName, QStringLiteral("bob.pvc"));
        QCOMPARE(usesLeft(m_token), 0);

        expectRefusal(request(QStringLiteral("carol"), m_carolKey, m_token), "enrol.token_exhausted");
        QVERIFY(!m_store->host(QStringLiteral("carol")).has_value());

        // Another token still works, and carol gets the next free address.
        const InviteToken fresh = addToken(1, m_now.addSecs(3600));
        const QJsonObject carol = request(QStringLiteral("carol"), m_carolKey, fresh);
        QCOMPARE(
            approvedCertificate(m_authority->decide(carol), m_caCert, carol).virtualIp, QStringLiteral("240.7.0.4"));
    }

    void expiredTokenRefused()
    {
        m_authority->setClock([this] { return m_now.addSecs(2 * 3600); });
        expectRefusal(request(QStringLiteral("alice"), m_aliceKey, m_token), "enrol.token_expired");
        // The moment of expiry itself is too late.
        m_authority->setClock([this] { return m_now.addSecs(3600); });
        expectRefusal(request(QStringLiteral("alice"), m_aliceKey, m_token), "enrol.token_expired");
        QCOMPARE(usesLeft(m_token), 2);
        QVERIFY(!m_store->host(QStringLiteral("alice")).has_value());

        // One second earlier it is still good.
        m_authority->setClock([this] { return m_now.addSecs(3599); });
        const QJsonObject alice = request(QStringLiteral("alice"), m_aliceKey, m_token);
        QVERIFY(!approvedCertificate(m_authority->decide(alice), m_caCert, alice).virtualIp.isEmpty());
    }

    void invalidTokenRefused()
    {
        // A proof made with another secret under the right id.
        InviteToken forged = m_token;
        forged.secret = InviteToken::generate().secret;
        expectRefusal(request(QStringLiteral("alice"), m_aliceKey, forged), "enrol.token_invalid");

        // An id the master never issued.
        expectRefusal(request(QStringLiteral("alice"), m_aliceKey, InviteToken::generate()), "enrol.token_invalid");

        // A proof for another name, replayed with this name.
        QJsonObject replayed = request(QStringLiteral("alice"), m_aliceKey, m_token);
        const QByteArray csr = replayed.value(QLatin1String("csr")).toString().toLatin1();
        replayed.insert(
            QStringLiteral("proof"), QString::fromLatin1(m_token.proofFor(QStringLiteral("bob"), csr).toBase64()));
        expectRefusal(replayed, "enrol.token_invalid");

        QJsonObject noProof = request(QStringLiteral("alice"), m_aliceKey, m_token);
        noProof.remove(QStringLiteral("proof"));
        expectRefusal(noProof, "enrol.token_invalid");

        QCOMPARE(usesLeft(m_token), 2);
        QVERIFY(m_store->hosts().isEmpty());
    }

    void takenNameRefused()
    {
        const QJsonObject alice = request(QStringLiteral("alice"), m_aliceKey, m_token);
        QVERIFY(!approvedCertificate(m_authority->decide(alice), m_caCert, alice).virtualIp.isEmpty());
        expectRefusal(request(QStringLiteral("alice"), m_otherAliceKey, m_token), "enrol.name_taken");
        QCOMPARE(usesLeft(m_token), 1);
        QCOMPARE(m_store->host(QStringLiteral("alice"))->publicKeyPem, keys::publicFromPrivate(m_aliceKey).value());
    }

    void sameKeyReenrolsWithSameAddress()
    {
        const QJsonObject first = request(QStringLiteral("alice"), m_aliceKey, m_token);
        const certs::CertificateInfo before = approvedCertificate(m_authority->decide(first), m_caCert, first);
        QCOMPARE(before.virtualIp, QStringLiteral("240.7.0.2"));

        const InviteToken other = addToken(1, m_now.addSecs(3600));
        const QJsonObject bob = request(QStringLiteral("bob"), m_bobKey, other);
        QCOMPARE(approvedCertificate(m_authority->decide(bob), m_caCert, bob).virtualIp, QStringLiteral("240.7.0.3"));

        // A new request (say, after losing the certificate) with the same key.
        const QJsonObject again = request(QStringLiteral("alice"), m_aliceKey, m_token);
        const certs::CertificateInfo after = approvedCertificate(m_authority->decide(again), m_caCert, again);
        QCOMPARE(after.virtualIp, QStringLiteral("240.7.0.2"));
        QCOMPARE(after.commonName, QStringLiteral("alice"));
        QVERIFY(after.serialHex != before.serialHex);
        QCOMPARE(m_store->host(QStringLiteral("alice"))->serialHex, after.serialHex);
        QCOMPARE(m_store->hosts().size(), qsizetype(2));
        QCOMPARE(usesLeft(m_token), 0);
    }

    void badNameRefused()
    {
        for (const QString& name :
            { QStringLiteral("Alice"), QStringLiteral("-alice"), QStringLiteral("alice-"), QStringLiteral("al_ice"),
                QStringLiteral("alice.pvc"), QStringLiteral("al ice"), QString(64, QLatin1Char('a')) }) {
            expectRefusal(request(name, m_aliceKey, m_token), "enrol.bad_name");
        }
        QJsonObject noName = request(QStringLiteral("alice"), m_aliceKey, m_token);
        noName.remove(QStringLiteral("name"));
        expectRefusal(noName, "enrol.bad_name");
        QCOMPARE(usesLeft(m_token), 2);
    }

    void longestNameAccepted()
    {
        const QString name(63, QLatin1Char('a'));
        const QJsonObject longest = request(name, m_aliceKey, m_token);
        QCOMPARE(approvedCertificate(m_authority->decide(longest), m_caCert, longest).commonName, name);
    }

    void csrForAnotherNameRefused()
    {
        expectRefusal(
            request(QStringLiteral("alice"), m_aliceKey, m_token, QStringLiteral("mallory")), "enrol.bad_csr");
        QJsonObject garbage = request(QStringLiteral("alice"), m_aliceKey, m_token);
        garbage.insert(QStringLiteral("csr"), QStringLiteral("-----BEGIN CERTIFICATE REQUEST-----\n"));
        expectRefusal(garbage, "enrol.bad_csr");
        QCOMPARE(usesLeft(m_token), 2);
    }

    void revokedNameRefused()
    {
        const QJsonObject alice = request(QStringLiteral("alice"), m_aliceKey, m_token);
        QVERIFY(!approvedCertificate(m_authority->decide(alice), m_caCert, alice).virtualIp.isEmpty());
        QVERIFY(m_store->revoke(QStringLiteral("alice")));

        expectRefusal(request(QStringLiteral("alice"), m_aliceKey, m_token), "enrol.revoked");
        expectRefusal(request(QStringLiteral("alice"), m_otherAliceKey, m_token), "enrol.revoked");
        QCOMPARE(usesLeft(m_token), 1);

        // The revoked host's address is not handed to the next host.
        const QJsonObject bob = request(QStringLiteral("bob"), m_bobKey, m_token);
        QCOMPARE(approvedCertificate(m_authority->decide(bob), m_caCert, bob).virtualIp, QStringLiteral("240.7.0.3"));
    }

    void refusalIsRemembered()
    {
        // A request refused once gets the same refusal when it arrives again through another broker.
        const QString id = nextRequestId();
        m_authority->setClock([this] { return m_now.addSecs(7200); });
        const QJsonObject late = requestWithId(id, QStringLiteral("alice"), m_aliceKey, m_token);
        expectRefusal(late, "enrol.token_expired");
        m_authority->setClock([this] { return m_now; });
        expectRefusal(late, "enrol.token_expired");
        QCOMPARE(usesLeft(m_token), 2);
    }

    // Renewal (docs/protocol.md 3.3): the same key gets a new certificate for the same name, address and
    // groups, with a new serial, and no token is spent.
    QJsonObject renewal(const QString& name, const QByteArray& key)
    {
        const auto csr = certs::createCsr(key, name);
        return brokerprotocol::Renew { nextRequestId(), name, QString::fromLatin1(csr.ok() ? *csr : QByteArray()) }
            .toJson();
    }

    QJsonObject renew(const QJsonObject& request)
    {
        return m_authority->renew(*brokerprotocol::Renew::parse(request)).toJson();
    }

    void renewalKeepsAddressAndSpendsNoToken()
    {
        m_authority->setClock([] { return QDateTime::currentDateTimeUtc(); });
        const QJsonObject alice = request(QStringLiteral("alice"), m_aliceKey, m_token);
        const certs::CertificateInfo first = approvedCertificate(m_authority->decide(alice), m_caCert, alice);
        QCOMPARE(usesLeft(m_token), 1);
        const QJsonObject again = renewal(QStringLiteral("alice"), m_aliceKey);
        const QJsonObject answer = renew(again);
        QCOMPARE(answer.value(QLatin1String("t")).toString(), QStringLiteral("renew-result"));
        const certs::CertificateInfo renewed = approvedCertificate(answer, m_caCert, again);
        QCOMPARE(renewed.virtualIp, first.virtualIp);
        QCOMPARE(renewed.groups, first.groups);
        QCOMPARE(renewed.publicKeyPem, first.publicKeyPem);
        QVERIFY(renewed.serialHex != first.serialHex);
        QCOMPARE(usesLeft(m_token), 1);
        QCOMPARE(m_store->host(QStringLiteral("alice"))->serialHex, renewed.serialHex);
        QCOMPARE(renew(again), answer); // the same request through a second broker: the same answer
    }

    void renewalRefusals()
    {
        m_authority->setClock([] { return QDateTime::currentDateTimeUtc(); });
        const QJsonObject alice = request(QStringLiteral("alice"), m_aliceKey, m_token);
        QVERIFY(!approvedCertificate(m_authority->decide(alice), m_caCert, alice).virtualIp.isEmpty());
        const auto refusal = [this](const QJsonObject& answer) {
            return answer.value(QLatin1String("ok")).toBool(true) ? QString()
                                                                  : answer.value(QLatin1String("error")).toString();
        };
        QCOMPARE(refusal(renew(renewal(QStringLiteral("alice"), m_otherAliceKey))), QStringLiteral("renew.wrong_key"));
        QCOMPARE(refusal(renew(renewal(QStringLiteral("bob"), m_bobKey))), QStringLiteral("renew.unknown_host"));
        QJsonObject mismatched = renewal(QStringLiteral("alice"), m_aliceKey);
        mismatched.insert(QStringLiteral("name"), QStringLiteral("bob"));
        QCOMPARE(refusal(renew(mismatched)), QStringLiteral("renew.bad_csr"));
        m_authority->setClock([] { return QDateTime::currentDateTimeUtc().addDays(30 + 91); });
        QCOMPARE(refusal(renew(renewal(QStringLiteral("alice"), m_aliceKey))), QStringLiteral("renew.too_late"));
        m_authority->setClock([] { return QDateTime::currentDateTimeUtc().addDays(30 + 89); });
        QCOMPARE(refusal(renew(renewal(QStringLiteral("alice"), m_aliceKey))), QString());
        QVERIFY(m_store->revoke(QStringLiteral("alice")));
        QCOMPARE(refusal(renew(renewal(QStringLiteral("alice"), m_aliceKey))), QStringLiteral("renew.revoked"));
        QCOMPARE(usesLeft(m_token), 1);
    }

    void badRequestIdRefused()
    {
        for (const QString& id :
            { QString(), QStringLiteral("short"), QStringLiteral("0123456789ABCDEF"), QString(65, QLatin1Char('a')) }) {
            const QJsonObject answer
                = m_authority->decide(requestWithId(id, QStringLiteral("alice"), m_aliceKey, m_token));
            QCOMPARE(answer.value(QLatin1String("ok")).toBool(true), false);
            QCOMPARE(answer.value(QLatin1String("error")).toString(), QStringLiteral("enrol.bad_request"));
        }
        QCOMPARE(usesLeft(m_token), 2);
    }
};

QTEST_GUILESS_MAIN(TestEnrolmentAuthority)
#include "tst_enrolmentauthority.moc"
