#include "security/keys.h"

#include <QDir>
#include <QFile>
#include <QSslCertificate>
#include <QSslKey>
#include <QTemporaryDir>
#include <QTest>
#include <sys/stat.h>

using namespace pvc::core;

class TestKeys : public QObject {
    Q_OBJECT

private:
    static mode_t modeOf(const QString& path)
    {
        struct stat info { };
        if (::stat(QFile::encodeName(path).constData(), &info) != 0)
            return 0;
        return info.st_mode & 07777;
    }

    static void writeWithMode(const QString& path, const QByteArray& data, mode_t mode)
    {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        QCOMPARE(file.write(data), data.size());
        file.close();
        QCOMPARE(::chmod(QFile::encodeName(path).constData(), mode), 0);
    }

private Q_SLOTS:
    void signVerifyRoundTrip()
    {
        const auto pair = keys::generateEd25519();
        QVERIFY2(pair.ok(), qPrintable(pair.error().code));
        QVERIFY(pair->privatePem.startsWith("-----BEGIN PRIVATE KEY-----"));
        QVERIFY(pair->publicPem.startsWith("-----BEGIN PUBLIC KEY-----"));

        const QByteArray message("join project alpha");
        const auto signature = keys::sign(pair->privatePem, message);
        QVERIFY(signature.ok());
        QCOMPARE(signature->size(), 64);
        QVERIFY(keys::verify(pair->publicPem, message, *signature));

        const auto derived = keys::publicFromPrivate(pair->privatePem);
        QVERIFY(derived.ok());
        QCOMPARE(*derived, pair->publicPem);

        const auto other = keys::generateEd25519();
        QVERIFY(other.ok());
        QVERIFY(!keys::verify(other->publicPem, message, *signature));
    }

    void flippedBitFailsVerify()
    {
        const auto pair = keys::generateEd25519();
        QVERIFY(pair.ok());
        const QByteArray message("membership renewal");
        const auto signature = keys::sign(pair->privatePem, message);
        QVERIFY(signature.ok());

        QByteArray badSignature = *signature;
        badSignature[10] = char(badSignature.at(10) ^ 0x01);
        QVERIFY(!keys::verify(pair->publicPem, message, badSignature));

        QByteArray badMessage = message;
        badMessage[0] = char(badMessage.at(0) ^ 0x01);
        QVERIFY(!keys::verify(pair->publicPem, badMessage, *signature));

        QVERIFY(!keys::verify(pair->publicPem, message, signature->left(63)));
        QVERIFY(!keys::verify("garbage", message, *signature));
    }

    void signRefusesGarbageKey()
    {
        const auto signature = keys::sign("not a key", "message");
        QVERIFY(!signature.ok());
        QCOMPARE(signature.error().code, QStringLiteral("key.malformed"));
    }

    void writtenKeyFileIsOwnerOnly()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("host.key"));
        // An existing world-readable file must be replaced, not rewritten in place.
        writeWithMode(path, "old contents", 0644);

        const auto pair = keys::generateEd25519();
        QVERIFY(pair.ok());
        QString error;
        QVERIFY2(keys::writePrivateKeyFile(path, pair->privatePem, &error), qPrintable(error));
        QCOMPARE(modeOf(path), mode_t(0600));
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden), QStringList { QStringLiteral("host.key") });

        const auto read = keys::readPrivateKeyFile(path);
        QVERIFY2(read.ok(), qPrintable(read.error().code));
        QCOMPARE(*read, pair->privatePem);

        QVERIFY(!keys::writePrivateKeyFile(path, "not a key", &error));
        QVERIFY(!error.isEmpty());
        QCOMPARE(keys::readPrivateKeyFile(path).value(), pair->privatePem);
    }

    void readRefusesGroupOrOtherPermissions()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const auto pair = keys::generateEd25519();
        QVERIFY(pair.ok());
        const QString path = dir.filePath(QStringLiteral("host.key"));
        for (const mode_t mode : { mode_t(0644), mode_t(0640), mode_t(0604), mode_t(0610) }) {
            writeWithMode(path, pair->privatePem, mode);
            const auto read = keys::readPrivateKeyFile(path);
            QVERIFY(!read.ok());
            QCOMPARE(read.error().code, QStringLiteral("key.bad_permissions"));
        }
        writeWithMode(path, pair->privatePem, 0600);
        QVERIFY(keys::readPrivateKeyFile(path).ok());
    }

    void readRefusesOversizedMalformedAndMissing()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("host.key"));
        writeWithMode(path, QByteArray(16 * 1024 + 1, 'A'), 0600);
        QCOMPARE(keys::readPrivateKeyFile(path).error().code, QStringLiteral("key.too_large"));
        writeWithMode(path, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", 0600);
        QCOMPARE(keys::readPrivateKeyFile(path).error().code, QStringLiteral("key.malformed"));
        QCOMPARE(keys::readPrivateKeyFile(dir.filePath(QStringLiteral("absent"))).error().code,
            QStringLiteral("key.not_found"));
    }

    void brokerIdentityLoadsIntoQt()
    {
        const auto identity = keys::generateBrokerTlsIdentity(QStringLiteral("broker.example.org"));
        QVERIFY2(identity.ok(), qPrintable(identity.error().detail));

        const QSslKey key(identity->privatePem, QSsl::Ec, QSsl::Pem, QSsl::PrivateKey);
        QVERIFY(!key.isNull());
        QCOMPARE(key.length(), 256);

        const QSslCertificate certificate(identity->certificatePem, QSsl::Pem);
        QVERIFY(!certificate.isNull());
        QVERIFY(certificate.isSelfSigned());
        QCOMPARE(
            certificate.subjectInfo(QSslCertificate::CommonName), QStringList { QStringLiteral("broker.example.org") });
        QCOMPARE(certificate.publicKey().algorithm(), QSsl::Ec);
        const QDateTime now = QDateTime::currentDateTimeUtc();
        QVERIFY(certificate.effectiveDate() <= now);
        QVERIFY(certificate.expiryDate() > now.addDays(3649));
        QVERIFY(certificate.expiryDate() < now.addDays(3651));
    }
};

QTEST_GUILESS_MAIN(TestKeys)
#include "tst_keys.moc"
