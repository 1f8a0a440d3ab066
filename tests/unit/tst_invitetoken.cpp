#include "security/invitetoken.h"

#include <QRegularExpression>
#include <QTest>

using namespace pvc::core;

class TestInviteToken : public QObject {
    Q_OBJECT

    const QByteArray m_csr = QByteArrayLiteral("-----BEGIN CERTIFICATE REQUEST-----\nMIGb...\n");
    const QByteArray m_otherCsr = QByteArrayLiteral("-----BEGIN CERTIFICATE REQUEST-----\nMIGc...\n");

private Q_SLOTS:
    void generateParseRoundTrip()
    {
        const InviteToken token = InviteToken::generate();
        QCOMPARE(token.id.size(), qsizetype(16));
        QCOMPARE(token.secret.size(), qsizetype(24));

        const QString text = token.toString();
        static const QRegularExpression shape(QStringLiteral("^pvc1-[0-9a-f]{16}-[A-Za-z0-9_-]{32}$"));
        QVERIFY2(shape.match(text).hasMatch(), qPrintable(text));

        const auto parsed = InviteToken::parse(text);
        QVERIFY2(parsed.ok(), qPrintable(parsed.error().detail));
        QCOMPARE(parsed->id, token.id);
        QCOMPARE(parsed->secret, token.secret);
        QCOMPARE(parsed->toString(), text);

        // Pasted with surrounding whitespace, as from a chat window.
        const auto pasted = InviteToken::parse(QStringLiteral("  ") + text + QStringLiteral("\n"));
        QVERIFY(pasted.ok());
        QCOMPARE(pasted->secret, token.secret);
    }

    void generatedTokensDiffer()
    {
        const InviteToken a = InviteToken::generate();
        const InviteToken b = InviteToken::generate();
        QVERIFY(a.id != b.id);
        QVERIFY(a.secret != b.secret);
    }

    void malformedRefused_data()
    {
        QTest::addColumn<QString>("text");
        const QString good = InviteToken::generate().toString();
        const QString id = good.mid(5, 16);
        const QString secret = good.mid(22);
        QTest::newRow("empty") << QString();
        QTest::newRow("blank") << QStringLiteral("   ");
        QTest::newRow("wrong prefix") << QStringLiteral("pvc2-") + good.mid(5);
        QTest::newRow("no prefix") << good.mid(5);
        QTest::newRow("upper-case id") << QStringLiteral("pvc1-") + id.toUpper().replace(0, 1, QStringLiteral("A"))
                + QLatin1Char('-') + secret;
        QTest::newRow("short id") << QStringLiteral("pvc1-") + id.left(15) + QLatin1Char('-') + secret;
        QTest::newRow("long id") << QStringLiteral("pvc1-") + id + QStringLiteral("0-") + secret;
        QTest::newRow("short secret") << good.chopped(1);
        QTest::newRow("long secret") << good + QLatin1Char('A');
        QTest::newRow("standard base64") << QStringLiteral("pvc1-") + id + QLatin1Char('-') + secret.left(30)
                + QStringLiteral("+/");
        QTest::newRow("padded base64") << QStringLiteral("pvc1-") + id + QLatin1Char('-') + secret.left(31)
                + QLatin1Char('=');
        QTest::newRow("space inside") << QStringLiteral("pvc1-") + id + QStringLiteral(" -") + secret.mid(1);
        QTest::newRow("too long") << good + QString(200, QLatin1Char('A'));
        QTest::newRow("too long blank") << good + QString(200, QLatin1Char('\t')) + QLatin1Char('x');
    }

    void malformedRefused()
    {
        QFETCH(QString, text);
        const auto parsed = InviteToken::parse(text);
        QVERIFY2(!parsed.ok(), qPrintable(text));
        QCOMPARE(parsed.error().code, QStringLiteral("enrol.token_malformed"));
        QVERIFY(!parsed.error().detail.isEmpty());
    }

    void proofChecksForTheRightRequest()
    {
        const InviteToken token = InviteToken::generate();
        const QString name = QStringLiteral("alice");
        const QByteArray proof = token.proofFor(name, m_csr);
        QCOMPARE(proof.size(), qsizetype(32)); // HMAC-SHA256

        // The master holds a parsed copy of the same token.
        const auto master = InviteToken::parse(token.toString());
        QVERIFY(master.ok());
        QVERIFY(master->checkProof(name, m_csr, proof));
        QCOMPARE(master->proofFor(name, m_csr), proof);

        QVERIFY(!master->checkProof(QStringLiteral("bob"), m_csr, proof));
        QVERIFY(!master->checkProof(QStringLiteral("alice2"), m_csr, proof));
        QVERIFY(!master->checkProof(name, m_otherCsr, proof));
        QVERIFY(!master->checkProof(name, m_csr + '\n', proof));

        InviteToken otherSecret = *master;
        otherSecret.secret[0] = char(otherSecret.secret.at(0) ^ 1);
        QVERIFY(!otherSecret.checkProof(name, m_csr, proof));
        QVERIFY(!InviteToken::generate().checkProof(name, m_csr, proof));

        // The id is part of what is proven, so a proof does not carry over to another token with the same secret.
        InviteToken otherId = *master;
        otherId.id = QStringLiteral("0000000000000000");
        QVERIFY(!otherId.checkProof(name, m_csr, proof));
    }

    void truncatedOrEmptyProofFails()
    {
        const InviteToken token = InviteToken::generate();
        const QByteArray proof = token.proofFor(QStringLiteral("alice"), m_csr);
        QVERIFY(!token.checkProof(QStringLiteral("alice"), m_csr, proof.left(31)));
        QVERIFY(!token.checkProof(QStringLiteral("alice"), m_csr, proof + 'x'));
        QVERIFY(!token.checkProof(QStringLiteral("alice"), m_csr, QByteArray()));
        QByteArray flipped = proof;
        flipped[31] = char(flipped.at(31) ^ 0x80);
        QVERIFY(!token.checkProof(QStringLiteral("alice"), m_csr, flipped));
    }
};

QTEST_GUILESS_MAIN(TestInviteToken)
#include "tst_invitetoken.moc"
