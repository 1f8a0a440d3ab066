#include "common/jsonfields.h"
#include "coordinator/enrolment.h"
#include "coordinator/hoststate.h"
#include "protocol/brokerprotocol.h"
#include "security/certificates.h"
#include "security/invitetoken.h"
#include "security/keys.h"

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <memory>

using namespace pvc::core;

// Membership decisions without a network: which certificates from an untrusted broker make this host
// a member, and the life cycle disconnected -> enrolling -> member -> revoked (or left).
class TestEnrolment : public QObject {
    Q_OBJECT

    QByteArray m_caKey;
    ProjectBundle m_bundle;
    QByteArray m_otherCaKey;
    QByteArray m_otherCaCert;
    QByteArray m_hostKey;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<HostState> m_state;
    quint64 m_serial = 0x77;

    QByteArray sign(const QByteArray& caKey, const QByteArray& caCert, const QByteArray& hostKey, const QString& name,
        int validityDays = 30)
    {
        const auto csr = certs::createCsr(hostKey, name);
        certs::MembershipTerms terms;
        terms.name = name;
        terms.virtualIp = QStringLiteral("240.77.0.9");
        terms.dnsName = name + QStringLiteral(".pvc");
        terms.groups = { QStringLiteral("lab") };
        terms.serial = ++m_serial;
        terms.validitySeconds = validityDays * 86400LL;
        const auto cert = certs::signMembership(caKey, caCert, *csr, terms);
        return cert ? *cert : QByteArray();
    }

    QJsonObject revocationList(qint64 version, const QString& serial)
    {
        RevocationList list;
        list.project = m_bundle.projectId;
        list.version = version;
        list.issued = QDateTime::currentDateTimeUtc();
        list.serials.insert(serial);
        return list.sign(m_caKey).value();
    }

    QJsonObject pending() { return m_state->pendingEnrolment().value_or(QJsonObject()); }

    // What the master answers to the pending request: a certificate for the CSR it carries.
    QJsonObject masterAnswer()
    {
        certs::MembershipTerms terms;
        terms.name = str(pending(), "name");
        terms.virtualIp = QStringLiteral("240.77.0.10");
        terms.dnsName = terms.name + QStringLiteral(".pvc");
        terms.serial = ++m_serial;
        const auto cert
            = certs::signMembership(m_caKey, m_bundle.caCertificatePem, str(pending(), "csr").toLatin1(), terms);
        return { { QStringLiteral("t"), QStringLiteral("enrol-result") }, { QStringLiteral("ok"), true },
            { QStringLiteral("id"), str(pending(), "id") }, { QStringLiteral("cert"), QString::fromLatin1(*cert) } };
    }

    struct Answer {
        int calls = 0;
        QString code;
    };
    Enrolment::JoinReply recorder(std::shared_ptr<Answer> answer)
    {
        return [answer](const QString& code, const QString&) {
            ++answer->calls;
            answer->code = code;
        };
    }

    void joinAs(Enrolment& enrolment, const QString& name, std::shared_ptr<Answer> answer)
    {
        enrolment.join(
            { { QStringLiteral("token"), InviteToken::generate().toString() }, { QStringLiteral("name"), name } },
            recorder(answer));
    }

    QString errorCode(const Enrolment& enrolment)
    {
        QJsonObject status;
        enrolment.describe(status);
        return status.value(QLatin1String("error")).toObject().value(QLatin1String("code")).toString();
    }

private Q_SLOTS:
    void initTestCase()
    {
        for (auto [key, cert] :
            { std::pair { &m_caKey, &m_bundle.caCertificatePem }, std::pair { &m_otherCaKey, &m_otherCaCert } }) {
            const auto pair = keys::generateEd25519();
            QVERIFY(pair.ok());
            *key = pair->privatePem;
            const auto ca = certs::createCaCertificate(*key, QStringLiteral("lab"), 3650);
            QVERIFY(ca.ok());
            *cert = *ca;
        }
        m_bundle.name = QStringLiteral("lab");
        m_bundle.projectId = certs::parseCertificate(m_bundle.caCertificatePem)->fingerprint;
        m_bundle.caPublicPem = keys::publicFromPrivate(m_caKey).value();
        m_hostKey = keys::generateEd25519()->privatePem;
    }

    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        m_state = std::make_unique<HostState>(m_dir->path() + QStringLiteral("/state"));
        QString error;
        QVERIFY2(m_state->prepare(&error), qPrintable(error));
    }

    void acceptsTheMastersCertificateForOurKeyAndName()
    {
        const QByteArray cert = sign(m_caKey, m_bundle.caCertificatePem, m_hostKey, QStringLiteral("alice"));
        const auto info = Enrolment::checkResult(
            cert, m_bundle.caCertificatePem, m_hostKey, QStringLiteral("alice"), QDateTime::currentDateTimeUtc());
        QVERIFY2(info.ok(), qPrintable(info.error().detail));
        QCOMPARE(info->commonName, QStringLiteral("alice"));
    }

    void refusesCertificatesNotMadeForThisHost_data()
    {
        QTest::addColumn<int>("variant");
        QTest::addColumn<QString>("reason");
        QTest::newRow("another key") << 0 << QStringLiteral("wrong key or name");
        QTest::newRow("another name") << 1 << QStringLiteral("wrong key or name");
        QTest::newRow("expired") << 2 << QStringLiteral("cert.expired");
        QTest::newRow("forged by another CA") << 3 << QStringLiteral("cert.untrusted");
        QTest::newRow("garbage") << 4 << QStringLiteral("cert.malformed");
    }
    void refusesCertificatesNotMadeForThisHost()
    {
        QFETCH(int, variant);
        QFETCH(QString, reason);
        const QString alice = QStringLiteral("alice");
        QByteArray cert;
        QDateTime now = QDateTime::currentDateTimeUtc();
        switch (variant) {
        case 0:
            cert = sign(m_caKey, m_bundle.caCertificatePem, keys::generateEd25519()->privatePem, alice);
            break;
        case 1:
            cert = sign(m_caKey, m_bundle.caCertificatePem, m_hostKey, QStringLiteral("mallory"));
            break;
        case 2:
            cert = sign(m_caKey, m_bundle.caCertificatePem, m_hostKey, alice, 1);
            now = now.addDays(3);
            break;
        case 3:
            cert = sign(m_otherCaKey, m_otherCaCert, m_hostKey, alice);
            break;
        default:
            cert = "-----BEGIN CERTIFICATE-----\nnot one\n-----END CERTIFICATE-----\n";
        }
        const auto info = Enrolment::checkResult(cert, m_bundle.caCertificatePem, m_hostKey, alice, now);
        QVERIFY(!info.ok());
        QCOMPARE(info.error().code, QStringLiteral("enrol.bad_certificate"));
        QCOMPARE(info.error().detail, reason);
    }

    void refusesWithoutAHostKey()
    {
        const QByteArray cert = sign(m_caKey, m_bundle.caCertificatePem, m_hostKey, QStringLiteral("alice"));
        const auto info = Enrolment::checkResult(cert, m_bundle.caCertificatePem, makeError("key.unreadable"),
            QStringLiteral("alice"), QDateTime::currentDateTimeUtc());
        QCOMPARE(info.error().code, QStringLiteral("enrol.bad_certificate"));
    }

    void refusesBadJoinsAndStaysDisconnected()
    {
        Enrolment enrolment(m_bundle, *m_state, nullptr);
        enrolment.loadMembership();
        QCOMPARE(enrolment.state(), Enrolment::State::Disconnected);
        auto answer = std::make_shared<Answer>();
        enrolment.join({ { QStringLiteral("token"), QStringLiteral("pvc1-nonsense") } }, recorder(answer));
        QCOMPARE(answer->code, QStringLiteral("enrol.token_malformed"));
        joinAs(enrolment, QStringLiteral("Not_A_Name"), answer);
        QCOMPARE(answer->code, QStringLiteral("enrol.bad_name"));
        QCOMPARE(answer->calls, 2);
        QCOMPARE(enrolment.state(), Enrolment::State::Disconnected);
        QVERIFY(!m_state->pendingEnrolment());
    }

    void joinsBecomesMemberAndIsRevoked()
    {
        Enrolment enrolment(m_bundle, *m_state, nullptr);
        enrolment.loadMembership();
        QSignalSpy requested(&enrolment, &Enrolment::enrolmentRequested);
        QSignalSpy member(&enrolment, &Enrolment::becameMember);
        QSignalSpy ended(&enrolment, &Enrolment::membershipEnded);
        QSignalSpy restarts(&enrolment, &Enrolment::brokerRestartNeeded);
        auto answer = std::make_shared<Answer>();
        joinAs(enrolment, QStringLiteral("alice"), answer);
        QCOMPARE(enrolment.state(), Enrolment::State::Enrolling);
        QCOMPARE(requested.count(), 1);
        QCOMPARE(answer->calls, 0); // waits for the master
        const auto message = enrolment.pendingEnrolment();
        QVERIFY(message);
        QCOMPARE(str(*message, "t"), QStringLiteral("enrol"));
        QCOMPARE(str(*message, "name"), QStringLiteral("alice"));

        // The pending request survives a restart of pvcd.
        Enrolment restarted(m_bundle, *m_state, nullptr);
        restarted.loadMembership();
        QCOMPARE(restarted.state(), Enrolment::State::Enrolling);
        QCOMPARE(restarted.name(), QStringLiteral("alice"));

        // A broker's answer for another request, or with a forged certificate, changes nothing.
        QJsonObject other = masterAnswer();
        other.insert(QStringLiteral("id"), QStringLiteral("00"));
        enrolment.handleEnrolResult(QStringLiteral("broker:1"), other);
        QCOMPARE(enrolment.state(), Enrolment::State::Enrolling);
        QJsonObject forged = masterAnswer();
        forged.insert(QStringLiteral("cert"),
            QString::fromLatin1(sign(m_otherCaKey, m_otherCaCert, m_state->key().value(), QStringLiteral("alice"))));
        enrolment.handleEnrolResult(QStringLiteral("broker:1"), forged);
        QCOMPARE(enrolment.state(), Enrolment::State::Enrolling);
        QCOMPARE(errorCode(enrolment), QStringLiteral("enrol.bad_certificate"));
        QCOMPARE(answer->calls, 0);

        enrolment.handleEnrolResult(QStringLiteral("broker:1"), masterAnswer());
        QCOMPARE(enrolment.state(), Enrolment::State::Member);
        QCOMPARE(enrolment.stateName(), QStringLiteral("member"));
        QCOMPARE(enrolment.virtualIp(), QStringLiteral("240.77.0.10"));
        QCOMPARE(answer->calls, 1);
        QCOMPARE(answer->code, QString());
        QCOMPARE(member.count(), 1);
        QCOMPARE(restarts.takeFirst().at(0).toString(), QStringLiteral("now a member"));
        QVERIFY(!m_state->pendingEnrolment());
        QVERIFY(!enrolment.pendingEnrolment());

        joinAs(enrolment, QStringLiteral("bob"), answer);
        QCOMPARE(answer->code, QStringLiteral("join.already_member"));

        // A member signs the broker's challenge with its key.
        const auto proof = enrolment.memberProof("nonce", "fingerprint");
        QVERIFY(proof && proof->ok());
        QVERIFY(keys::verify(keys::publicFromPrivate(m_state->key().value()).value(),
            brokerprotocol::helloSigningText("nonce", "fingerprint"), (*proof)->signature));

        // An older list never rolls back; a list naming our serial ends the membership.
        QJsonObject status;
        enrolment.describe(status);
        const QString serial = str(status, "serial");
        enrolment.handleRevocations(revocationList(2, QStringLiteral("ffff")));
        QCOMPARE(enrolment.revocations().version, 2);
        enrolment.handleRevocations(revocationList(1, serial));
        QCOMPARE(enrolment.state(), Enrolment::State::Member);
        enrolment.handleRevocations(revocationList(3, serial));
        QCOMPARE(enrolment.state(), Enrolment::State::Revoked);
        QCOMPARE(ended.count(), 1);
        QCOMPARE(errorCode(enrolment), QStringLiteral("member.revoked"));
        QCOMPARE(restarts.takeFirst().at(0).toString(), QStringLiteral("revoked"));
        QVERIFY(!enrolment.memberProof("nonce", "fingerprint"));
        joinAs(enrolment, QStringLiteral("alice"), answer);
        QCOMPARE(answer->code, QStringLiteral("join.revoked"));

        // The stored list keeps the host revoked after a restart.
        Enrolment again(m_bundle, *m_state, nullptr);
        again.loadRevocations();
        again.loadMembership();
        QCOMPARE(again.state(), Enrolment::State::Revoked);

        enrolment.leave();
        QCOMPARE(enrolment.state(), Enrolment::State::Disconnected);
        QCOMPARE(enrolment.name(), QString());
        QVERIFY(m_state->membership().isEmpty());
        QCOMPARE(errorCode(enrolment), QString());
    }

    void theMastersRefusalEndsTheJoin()
    {
        Enrolment enrolment(m_bundle, *m_state, nullptr);
        auto answer = std::make_shared<Answer>();
        joinAs(enrolment, QStringLiteral("carol"), answer);
        enrolment.handleEnrolResult(QStringLiteral("broker:1"),
            { { QStringLiteral("ok"), false }, { QStringLiteral("id"), str(pending(), "id") },
                { QStringLiteral("error"), QStringLiteral("enrol.token_used") } });
        QCOMPARE(enrolment.state(), Enrolment::State::Disconnected);
        QCOMPARE(answer->code, QStringLiteral("enrol.token_used"));
        QVERIFY(!m_state->pendingEnrolment());
    }

    void joinTimesOutWithoutABroker()
    {
        Enrolment enrolment(m_bundle, *m_state, nullptr);
        auto answer = std::make_shared<Answer>();
        enrolment.join({ { QStringLiteral("token"), InviteToken::generate().toString() },
                           { QStringLiteral("name"), QStringLiteral("dave") }, { QStringLiteral("timeout_ms"), 1000 } },
            recorder(answer));
        QTRY_COMPARE_WITH_TIMEOUT(answer->calls, 1, 5000);
        QCOMPARE(answer->code, QStringLiteral("enrol.no_broker"));
        QCOMPARE(enrolment.state(), Enrolment::State::Enrolling); // the request stays queued
    }

    void leavingCancelsAWaitingJoin()
    {
        Enrolment enrolment(m_bundle, *m_state, nullptr);
        auto answer = std::make_shared<Answer>();
        joinAs(enrolment, QStringLiteral("erin"), answer);
        enrolment.leave();
        QCOMPARE(answer->code, QStringLiteral("enrol.cancelled"));
        QCOMPARE(enrolment.state(), Enrolment::State::Disconnected);
        QVERIFY(!m_state->pendingEnrolment());
    }
};

QTEST_GUILESS_MAIN(TestEnrolment)
#include "tst_enrolment.moc"
