#include "security/keys.h"
#include "security/revocationlist.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace pvc::core;

class TestRevocationList : public QObject {
    Q_OBJECT

    keys::KeyPair m_ca;
    keys::KeyPair m_otherCa;
    const QString m_project = QStringLiteral("3f1c0a9e5b7d2468ace013579bdf2468ace013579bdf2468ace013579bdf2468");
    RevocationList m_list;
    QJsonObject m_signed;

    // Verifies `signedList` and expects the refusal `code`.
    void expectRefusal(const QJsonObject& signedList, const char* code, const QString& project = {})
    {
        const auto verified
            = RevocationList::verify(signedList, m_ca.publicPem, project.isEmpty() ? m_project : project);
        QVERIFY2(!verified.ok(), "a tampered revocation list was accepted");
        QCOMPARE(verified.error().code, QString::fromLatin1(code));
    }

    QJsonObject withBody(const QJsonObject& body) const
    {
        QJsonObject copy = m_signed;
        copy.insert(QStringLiteral("body"), body);
        return copy;
    }

private Q_SLOTS:
    void initTestCase()
    {
        const auto ca = keys::generateEd25519();
        const auto other = keys::generateEd25519();
        QVERIFY(ca.ok() && other.ok());
        m_ca = *ca;
        m_otherCa = *other;

        m_list.project = m_project;
        m_list.version = 7;
        m_list.issued = QDateTime(QDate(2024, 5, 1), QTime(12, 30, 0), Qt::UTC);
        m_list.serials = { QStringLiteral("1001"), QStringLiteral("1abc"), QStringLiteral("fffe") };
        const auto signedList = m_list.sign(m_ca.privatePem);
        QVERIFY2(signedList.ok(), qPrintable(signedList.error().code));
        m_signed = *signedList;
    }

    void signVerifyRoundTrip()
    {
        QVERIFY(m_signed.value(QLatin1String("body")).isObject());
        QCOMPARE(
            QByteArray::fromBase64(m_signed.value(QLatin1String("sig")).toString().toLatin1()).size(), qsizetype(64));

        const auto verified = RevocationList::verify(m_signed, m_ca.publicPem, m_project);
        QVERIFY2(verified.ok(), qPrintable(verified.error().code));
        QCOMPARE(verified->project, m_project);
        QCOMPARE(verified->version, qint64(7));
        QCOMPARE(verified->issued, m_list.issued);
        QCOMPARE(verified->serials, m_list.serials);
        QVERIFY(verified->contains(QStringLiteral("1abc")));
        QVERIFY(!verified->contains(QStringLiteral("1abd")));
    }

    void emptyListRoundTrip()
    {
        RevocationList empty;
        empty.project = m_project;
        empty.issued = m_list.issued;
        const auto signedList = empty.sign(m_ca.privatePem);
        QVERIFY(signedList.ok());
        const auto verified = RevocationList::verify(*signedList, m_ca.publicPem, m_project);
        QVERIFY2(verified.ok(), qPrintable(verified.error().code));
        QVERIFY(verified->serials.isEmpty());
        QCOMPARE(verified->version, qint64(0));
    }

    void survivesReformatting()
    {
        // Brokers store and forward the JSON; whitespace and key order must not matter.
        const QByteArray indented = QJsonDocument(m_signed).toJson(QJsonDocument::Indented);
        const auto verified
            = RevocationList::verify(QJsonDocument::fromJson(indented).object(), m_ca.publicPem, m_project);
        QVERIFY2(verified.ok(), qPrintable(verified.error().code));
        QCOMPARE(verified->serials, m_list.serials);
    }

    void addedSerialFailsSignature()
    {
        QJsonObject body = m_signed.value(QLatin1String("body")).toObject();
        QJsonArray serials = body.value(QLatin1String("serials")).toArray();
        serials.append(QStringLiteral("2002"));
        body.insert(QStringLiteral("serials"), serials);
        expectRefusal(withBody(body), "revocation.bad_signature");
    }

    void removedSerialFailsSignature()
    {
        // A broker hiding a revocation from hosts.
        QJsonObject body = m_signed.value(QLatin1String("body")).toObject();
        QJsonArray serials = body.value(QLatin1String("serials")).toArray();
        serials.removeAt(1);
        body.insert(QStringLiteral("serials"), serials);
        expectRefusal(withBody(body), "revocation.bad_signature");
        body.insert(QStringLiteral("serials"), QJsonArray());
        expectRefusal(withBody(body), "revocation.bad_signature");
    }

    void changedVersionFailsSignature()
    {
        // A broker replaying an old list as new, or a new one as old.
        QJsonObject body = m_signed.value(QLatin1String("body")).toObject();
        body.insert(QStringLiteral("version"), 8);
        expectRefusal(withBody(body), "revocation.bad_signature");
        body.insert(QStringLiteral("version"), 6);
        expectRefusal(withBody(body), "revocation.bad_signature");
    }

    void changedProjectFailsSignature()
    {
        QJsonObject body = m_signed.value(QLatin1String("body")).toObject();
        body.insert(QStringLiteral("project"), QString(64, QLatin1Char('0')));
        expectRefusal(withBody(body), "revocation.bad_signature");
    }

    void wrongProjectRefused() { expectRefusal(m_signed, "revocation.wrong_project", QString(64, QLatin1Char('0'))); }

    void otherKeyRefused()
    {
        const auto forged = m_list.sign(m_otherCa.privatePem);
        QVERIFY(forged.ok());
        expectRefusal(*forged, "revocation.bad_signature");
        // And the genuine list does not verify with another CA's key.
        const auto verified = RevocationList::verify(m_signed, m_otherCa.publicPem, m_project);
        QVERIFY(!verified.ok());
        QCOMPARE(verified.error().code, QStringLiteral("revocation.bad_signature"));
    }

    void flippedSignatureRefused()
    {
        QByteArray sig = QByteArray::fromBase64(m_signed.value(QLatin1String("sig")).toString().toLatin1());
        sig[10] = char(sig.at(10) ^ 0x01);
        QJsonObject copy = m_signed;
        copy.insert(QStringLiteral("sig"), QString::fromLatin1(sig.toBase64()));
        expectRefusal(copy, "revocation.bad_signature");
    }

    void missingPartsRefused()
    {
        QJsonObject noSig = m_signed;
        noSig.remove(QStringLiteral("sig"));
        expectRefusal(noSig, "revocation.malformed");

        QJsonObject shortSig = m_signed;
        shortSig.insert(QStringLiteral("sig"), QString::fromLatin1(QByteArray(63, 'x').toBase64()));
        expectRefusal(shortSig, "revocation.malformed");

        QJsonObject noBody = m_signed;
        noBody.remove(QStringLiteral("body"));
        expectRefusal(noBody, "revocation.malformed");

        expectRefusal(QJsonObject(), "revocation.malformed");
    }

    void negativeVersionRefused()
    {
        RevocationList bad = m_list;
        bad.version = -1;
        const auto signedList = bad.sign(m_ca.privatePem);
        QVERIFY(signedList.ok());
        expectRefusal(*signedList, "revocation.malformed");
    }
};

QTEST_GUILESS_MAIN(TestRevocationList)
#include "tst_revocationlist.moc"
