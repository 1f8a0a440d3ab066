#include "security/certificates.h"
#include "security/keys.h"
#include "security/projectbundle.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace pvc::core;

class TestProjectBundle : public QObject {
    Q_OBJECT

    QByteArray m_caKey;
    QByteArray m_caCert;
    QByteArray m_memberCert;
    ProjectBundle m_bundle;

    QJsonObject bundleObject() const { return QJsonDocument::fromJson(m_bundle.toJson()).object(); }

    static void expectRefusal(const QJsonObject& object, const char* code)
    {
        const auto loaded = ProjectBundle::fromJson(QJsonDocument(object).toJson());
        QVERIFY2(!loaded.ok(), "a broken bundle was accepted");
        QCOMPARE(loaded.error().code, QString::fromLatin1(code));
    }

private Q_SLOTS:
    void initTestCase()
    {
        const auto ca = keys::generateEd25519();
        QVERIFY(ca.ok());
        m_caKey = ca->privatePem;
        const auto caCert = certs::createCaCertificate(m_caKey, QStringLiteral("alpha"), 365);
        QVERIFY2(caCert.ok(), qPrintable(caCert.error().detail));
        m_caCert = *caCert;

        const auto host = keys::generateEd25519();
        QVERIFY(host.ok());
        const auto csr = certs::createCsr(host->privatePem, QStringLiteral("alice"));
        QVERIFY(csr.ok());
        certs::MembershipTerms terms;
        terms.name = QStringLiteral("alice");
        terms.virtualIp = QStringLiteral("240.1.0.2");
        terms.dnsName = QStringLiteral("alice.pvc");
        terms.serial = 0x1001;
        const auto member = certs::signMembership(m_caKey, m_caCert, *csr, terms);
        QVERIFY2(member.ok(), qPrintable(member.error().detail));
        m_memberCert = *member;

        m_bundle.name = QStringLiteral("alpha");
        m_bundle.network = QStringLiteral("240.1.0.0/16");
        m_bundle.domain = QStringLiteral("pvc");
        m_bundle.brokers = { QStringLiteral("broker.example.org:7000"), QStringLiteral("198.18.0.10:7001") };
        m_bundle.caCertificatePem = m_caCert;
        m_bundle.policyVersion = 3;
    }

    void jsonRoundTrip()
    {
        const QByteArray json = m_bundle.toJson();
        QCOMPARE(QJsonDocument::fromJson(json).object().value(QLatin1String("format")).toString(),
            QStringLiteral("pvc-project-1"));
        const auto loaded = ProjectBundle::fromJson(json);
        QVERIFY2(loaded.ok(), qPrintable(loaded.error().code + QLatin1Char(' ') + loaded.error().detail));
        QCOMPARE(loaded->name, m_bundle.name);
        QCOMPARE(loaded->network, m_bundle.network);
        QCOMPARE(loaded->domain, m_bundle.domain);
        QCOMPARE(loaded->brokers, m_bundle.brokers);
        QCOMPARE(loaded->caCertificatePem, m_caCert);
        QCOMPARE(loaded->policyVersion, qint64(3));
        QCOMPARE(loaded->toJson(), json);
    }

    void projectIdIsCaFingerprint()
    {
        const auto loaded = ProjectBundle::fromJson(m_bundle.toJson());
        QVERIFY(loaded.ok());
        const auto ca = certs::parseCertificate(m_caCert);
        QVERIFY(ca.ok());
        QCOMPARE(loaded->projectId, ca->fingerprint);
        QCOMPARE(loaded->projectId.size(), qsizetype(64));
        QCOMPARE(loaded->caPublicPem, keys::publicFromPrivate(m_caKey).value());
    }

    void saveLoadRoundTrip()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("project.json"));
        QString error;
        QVERIFY2(m_bundle.save(path, &error), qPrintable(error));
        const auto loaded = ProjectBundle::load(path);
        QVERIFY2(loaded.ok(), qPrintable(loaded.error().code));
        QCOMPARE(loaded->brokers, m_bundle.brokers);
        QVERIFY(!loaded->projectId.isEmpty());

        const auto missing = ProjectBundle::load(dir.filePath(QStringLiteral("absent.json")));
        QVERIFY(!missing.ok());
        QCOMPARE(missing.error().code, QStringLiteral("bundle.unreadable"));

        QFile big(dir.filePath(QStringLiteral("big.json")));
        QVERIFY(big.open(QIODevice::WriteOnly));
        big.write(QByteArray(ProjectBundle::MaxBytes + 1, ' '));
        big.close();
        const auto tooBig = ProjectBundle::load(big.fileName());
        QVERIFY(!tooBig.ok());
        QCOMPARE(tooBig.error().code, QStringLiteral("bundle.too_large"));
    }

    void missingBrokerRefused()
    {
        QJsonObject o = bundleObject();
        o.insert(QStringLiteral("brokers"), QJsonArray());
        expectRefusal(o, "bundle.malformed");
        o.remove(QStringLiteral("brokers"));
        expectRefusal(o, "bundle.malformed");
        o.insert(QStringLiteral("brokers"), QJsonArray { QStringLiteral("broker.example.org") });
        expectRefusal(o, "bundle.malformed");
        o.insert(QStringLiteral("brokers"), QJsonArray { 7000 });
        expectRefusal(o, "bundle.malformed");
    }

    void missingNameOrDomainRefused()
    {
        QJsonObject o = bundleObject();
        o.remove(QStringLiteral("name"));
        expectRefusal(o, "bundle.malformed");
        o = bundleObject();
        o.insert(QStringLiteral("domain"), QString());
        expectRefusal(o, "bundle.malformed");
    }

    void badNetworkRefused()
    {
        for (const char* network : { "198.18.0.0/16", "100.64.0.0/16", "240.1.0.0/24", "garbage", "" }) {
            QJsonObject o = bundleObject();
            o.insert(QStringLiteral("network"), QString::fromLatin1(network));
            expectRefusal(o, "bundle.malformed");
        }
    }

    void nonCaCertificateRefused()
    {
        QJsonObject o = bundleObject();
        o.insert(QStringLiteral("ca"), QString::fromLatin1(m_memberCert));
        expectRefusal(o, "bundle.bad_ca");
        o.insert(
            QStringLiteral("ca"), QStringLiteral("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"));
        expectRefusal(o, "bundle.bad_ca");
        o.remove(QStringLiteral("ca"));
        expectRefusal(o, "bundle.bad_ca");
    }

    void tooLargeRefused()
    {
        QJsonObject o = bundleObject();
        o.insert(QStringLiteral("name"), QString(ProjectBundle::MaxBytes, QLatin1Char('a')));
        expectRefusal(o, "bundle.too_large");
        const auto padded = ProjectBundle::fromJson(m_bundle.toJson() + QByteArray(ProjectBundle::MaxBytes, ' '));
        QVERIFY(!padded.ok());
        QCOMPARE(padded.error().code, QStringLiteral("bundle.too_large"));
    }

    void wrongFormatRefused()
    {
        QJsonObject o = bundleObject();
        o.insert(QStringLiteral("format"), QStringLiteral("pvc-project-2"));
        expectRefusal(o, "bundle.malformed");
        o.remove(QStringLiteral("format"));
        expectRefusal(o, "bundle.malformed");

        for (const QByteArray& text :
            { QByteArray(), QByteArray("not json"), QByteArray("[1,2]"), m_bundle.toJson().chopped(2) }) {
            const auto loaded = ProjectBundle::fromJson(text);
            QVERIFY(!loaded.ok());
            QCOMPARE(loaded.error().code, QStringLiteral("bundle.malformed"));
        }
    }

    void hostPortParse_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<QString>("host");
        QTest::addColumn<int>("port");
        QTest::newRow("name") << QStringLiteral("broker.example.org:7000") << true
                              << QStringLiteral("broker.example.org") << 7000;
        QTest::newRow("ipv4") << QStringLiteral("198.18.0.10:443") << true << QStringLiteral("198.18.0.10") << 443;
        QTest::newRow("max port") << QStringLiteral("b:65535") << true << QStringLiteral("b") << 65535;
        QTest::newRow("bracketed ipv6") << QStringLiteral("[2001:db8::1]:7000") << true
                                        << QStringLiteral("[2001:db8::1]") << 7000;
        QTest::newRow("no port") << QStringLiteral("broker.example.org") << false << QString() << 0;
        QTest::newRow("empty port") << QStringLiteral("broker.example.org:") << false << QString() << 0;
        QTest::newRow("no host") << QStringLiteral(":7000") << false << QString() << 0;
        QTest::newRow("port zero") << QStringLiteral("b:0") << false << QString() << 0;
        QTest::newRow("port too big") << QStringLiteral("b:65536") << false << QString() << 0;
        QTest::newRow("negative port") << QStringLiteral("b:-1") << false << QString() << 0;
        QTest::newRow("named port") << QStringLiteral("b:http") << false << QString() << 0;
        QTest::newRow("empty") << QString() << false << QString() << 0;
        QTest::newRow("too long") << QString(300, QLatin1Char('b')) + QStringLiteral(":7000") << false << QString()
                                  << 0;
    }

    void hostPortParse()
    {
        QFETCH(QString, text);
        QFETCH(bool, ok);
        QFETCH(QString, host);
        QFETCH(int, port);
        const auto parsed = HostPort::parse(text);
        QCOMPARE(parsed.ok(), ok);
        if (!ok) {
            QCOMPARE(parsed.error().code, QStringLiteral("address.malformed"));
            return;
        }
        QCOMPARE(parsed->host, host);
        QCOMPARE(int(parsed->port), port);
        QCOMPARE(parsed->toString(), text);
    }
};

QTEST_GUILESS_MAIN(TestProjectBundle)
#include "tst_projectbundle.moc"
