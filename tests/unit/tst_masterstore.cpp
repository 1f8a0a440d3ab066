#include "master/masterstore.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>
#include <memory>

using namespace pvc::master;

namespace {

MasterStore::Host host(const QString& name, const QString& ip, const QString& serial)
{
    return MasterStore::Host { name, ip, serial, "CERT " + name.toLatin1(), "KEY " + name.toLatin1(),
        QDateTime(QDate(2026, 11, 1), QTime(12, 0), Qt::UTC), {}, false };
}

MasterStore::Token token(const QString& id, int uses)
{
    return MasterStore::Token { id, QByteArray(32, '\x07'), uses, QDateTime(QDate(2027, 1, 1), QTime(0, 0), Qt::UTC),
        { QStringLiteral("lab"), QStringLiteral("gpu") } };
}

// Read and write for the owner, nothing for group and others.
bool ownerOnly(const QString& path)
{
    const QFile::Permissions permissions = QFile::permissions(path);
    const QFile::Permissions others = QFile::ReadGroup | QFile::WriteGroup | QFile::ExeGroup | QFile::ReadOther
        | QFile::WriteOther | QFile::ExeOther;
    return (permissions & others) == 0 && permissions.testFlags(QFile::ReadOwner | QFile::WriteOwner);
}

} // namespace

// The master's ledger (core/master/masterstore.h) on a real SQLite file: what `pvc-admin invite`,
// `revoke`, `hosts`, `policy set` and `serve` read back, in one process and after reopening.
class TstMasterStore : public QObject {
    Q_OBJECT
private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<MasterStore> m_store;

    QString path() const { return m_dir->filePath(QStringLiteral("master.sqlite")); }
    void reopen()
    {
        m_store = std::make_unique<MasterStore>();
        QString error;
        QVERIFY2(m_store->open(path(), &error), qPrintable(error));
    }
    // One enrolment as the authority commits it.
    bool enrol(const QString& name, const QString& ip, const QString& serial, const QString& tokenId, const char* id)
    {
        return m_store->commitEnrolment(host(name, ip, serial), tokenId, QLatin1String(id), "{\"ok\":true}");
    }

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        reopen();
    }
    void cleanup()
    {
        m_store.reset();
        m_dir.reset();
    }

    void fileIsOwnerOnly()
    {
        // It holds the tokens' secrets.
        QVERIFY(ownerOnly(path()));
    }

    void tokensAndUses()
    {
        QVERIFY(!m_store->token(QStringLiteral("t1")));
        QVERIFY(m_store->addToken(token(QStringLiteral("t1"), 2)));
        QVERIFY(!m_store->addToken(token(QStringLiteral("t1"), 5))); // ids are unique
        const auto stored = m_store->token(QStringLiteral("t1"));
        QVERIFY(stored);
        QCOMPARE(stored->secret, QByteArray(32, '\x07'));
        QCOMPARE(stored->usesLeft, 2);
        QCOMPARE(stored->expires, QDateTime(QDate(2027, 1, 1), QTime(0, 0), Qt::UTC));
        QCOMPARE(stored->groups, (QStringList { QStringLiteral("lab"), QStringLiteral("gpu") }));

        QVERIFY(enrol(QStringLiteral("alice"), QStringLiteral("240.7.0.2"), QStringLiteral("1001"),
            QStringLiteral("t1"), "0000000000000001"));
        QCOMPARE(m_store->token(QStringLiteral("t1"))->usesLeft, 1);
        QVERIFY(enrol(QStringLiteral("bob"), QStringLiteral("240.7.0.3"), QStringLiteral("1002"), QStringLiteral("t1"),
            "0000000000000002"));
        QCOMPARE(m_store->token(QStringLiteral("t1"))->usesLeft, 0);
        // A spent token commits nothing: no host, no answer.
        QVERIFY(!enrol(QStringLiteral("carol"), QStringLiteral("240.7.0.4"), QStringLiteral("1003"),
            QStringLiteral("t1"), "0000000000000003"));
        QVERIFY(!m_store->host(QStringLiteral("carol")));
        QVERIFY(!m_store->answeredRequest(QStringLiteral("0000000000000003")));
    }

    void defaultGroup()
    {
        MasterStore::Token plain = token(QStringLiteral("t2"), 1);
        plain.groups.clear();
        QVERIFY(m_store->addToken(plain));
        QCOMPARE(m_store->token(QStringLiteral("t2"))->groups, QStringList { QStringLiteral("volunteer") });
    }

    void hostsAndAddresses()
    {
        QVERIFY(m_store->addToken(token(QStringLiteral("t"), 10)));
        QVERIFY(enrol(QStringLiteral("bob"), QStringLiteral("240.7.0.3"), QStringLiteral("1002"), QStringLiteral("t"),
            "0000000000000002"));
        QVERIFY(enrol(QStringLiteral("alice"), QStringLiteral("240.7.0.2"), QStringLiteral("1001"), QStringLiteral("t"),
            "0000000000000001"));
        const QList<MasterStore::Host> hosts = m_store->hosts();
        QCOMPARE(hosts.size(), qsizetype(2));
        QCOMPARE(hosts[0].name, QStringLiteral("alice")); // by name
        QCOMPARE(hosts[0].virtualIp, QStringLiteral("240.7.0.2"));
        QCOMPARE(hosts[0].certificatePem, QByteArray("CERT alice"));
        QCOMPARE(hosts[0].publicKeyPem, QByteArray("KEY alice"));
        QVERIFY(!hosts[0].lastSeen.isValid());
        QList<QString> used = m_store->usedAddresses();
        std::sort(used.begin(), used.end());
        QCOMPARE(used, (QList<QString> { QStringLiteral("240.7.0.2"), QStringLiteral("240.7.0.3") }));

        // Renewal keeps the address and records the new serial.
        QVERIFY(enrol(QStringLiteral("alice"), QStringLiteral("240.7.0.2"), QStringLiteral("1005"), QStringLiteral("t"),
            "0000000000000009"));
        QCOMPARE(m_store->host(QStringLiteral("alice"))->serialHex, QStringLiteral("1005"));
        QCOMPARE(m_store->hosts().size(), qsizetype(2));
    }

    void lastSeenOnlyMovesForward()
    {
        QVERIFY(m_store->addToken(token(QStringLiteral("t"), 1)));
        QVERIFY(enrol(QStringLiteral("alice"), QStringLiteral("240.7.0.2"), QStringLiteral("1001"), QStringLiteral("t"),
            "0000000000000001"));
        const QDateTime later(QDate(2026, 11, 26), QTime(13, 54, 20), Qt::UTC);
        QVERIFY(m_store->setLastSeen(QStringLiteral("alice"), later));
        QVERIFY(m_store->setLastSeen(QStringLiteral("alice"), later.addSecs(-3600)));
        QCOMPARE(m_store->host(QStringLiteral("alice"))->lastSeen, later);
    }

    void serialsIncrease()
    {
        const quint64 first = m_store->nextSerial();
        QVERIFY(first > 0x1000);
        QCOMPARE(m_store->nextSerial(), first + 1);
    }

    void revokeCoversEverySerial()
    {
        QCOMPARE(m_store->revocationVersion(), qint64(0));
        QVERIFY(m_store->addToken(token(QStringLiteral("t"), 10)));
        QVERIFY(enrol(QStringLiteral("alice"), QStringLiteral("240.7.0.2"), QStringLiteral("1001"), QStringLiteral("t"),
            "0000000000000001"));
        QVERIFY(enrol(QStringLiteral("alice"), QStringLiteral("240.7.0.2"), QStringLiteral("1007"), QStringLiteral("t"),
            "0000000000000002"));
        QVERIFY(enrol(QStringLiteral("bob"), QStringLiteral("240.7.0.3"), QStringLiteral("1002"), QStringLiteral("t"),
            "0000000000000003"));
        QVERIFY(!m_store->revoke(QStringLiteral("nobody")));
        QCOMPARE(m_store->revocationVersion(), qint64(0));
        QVERIFY(m_store->revoke(QStringLiteral("alice")));
        QVERIFY(!m_store->revoke(QStringLiteral("alice"))); // once
        QCOMPARE(m_store->revocationVersion(), qint64(1));
        QVERIFY(m_store->host(QStringLiteral("alice"))->revoked);
        QList<QString> serials = m_store->revokedSerials();
        std::sort(serials.begin(), serials.end());
        QCOMPARE(serials, (QList<QString> { QStringLiteral("1001"), QStringLiteral("1007") }));
    }

    void policyVersions()
    {
        QCOMPARE(m_store->policyVersion(), qint64(0));
        QVERIFY(m_store->policy().isEmpty());
        QVERIFY(m_store->setPolicy("{\"format\":\"pvc-policy-1\",\"rules\":[]}"));
        QVERIFY(m_store->setPolicy("{\"format\":\"pvc-policy-1\",\"rules\":[1]}"));
        QCOMPARE(m_store->policyVersion(), qint64(2));
        QCOMPARE(m_store->policy(), QByteArray("{\"format\":\"pvc-policy-1\",\"rules\":[1]}"));
    }

    void answersAreIdempotent()
    {
        QVERIFY(m_store->addToken(token(QStringLiteral("t"), 5)));
        QVERIFY(enrol(QStringLiteral("alice"), QStringLiteral("240.7.0.2"), QStringLiteral("1001"), QStringLiteral("t"),
            "0000000000000001"));
        QCOMPARE(
            m_store->answeredRequest(QStringLiteral("0000000000000001")), std::optional(QByteArray("{\"ok\":true}")));
        // The same request id again commits nothing and spends nothing.
        QVERIFY(!enrol(QStringLiteral("alice"), QStringLiteral("240.7.0.2"), QStringLiteral("1002"),
            QStringLiteral("t"), "0000000000000001"));
        QCOMPARE(m_store->token(QStringLiteral("t"))->usesLeft, 4);
        QCOMPARE(m_store->host(QStringLiteral("alice"))->serialHex, QStringLiteral("1001"));
    }

    void refusalRecordedOnce()
    {
        QVERIFY(m_store->recordRefusal(QStringLiteral("00000000000000aa"), "{\"ok\":false,\"error\":\"first\"}"));
        // Another broker's copy of the request gets the first answer.
        QVERIFY(m_store->recordRefusal(QStringLiteral("00000000000000aa"), "{\"ok\":false,\"error\":\"second\"}"));
        QCOMPARE(m_store->answeredRequest(QStringLiteral("00000000000000aa")),
            std::optional(QByteArray("{\"ok\":false,\"error\":\"first\"}")));
        QVERIFY(!m_store->answeredRequest(QStringLiteral("00000000000000bb")));
    }

    void reopenPersists()
    {
        QVERIFY(m_store->addToken(token(QStringLiteral("t"), 3)));
        QVERIFY(enrol(QStringLiteral("alice"), QStringLiteral("240.7.0.2"), QStringLiteral("1001"), QStringLiteral("t"),
            "0000000000000001"));
        QVERIFY(m_store->revoke(QStringLiteral("alice")));
        QVERIFY(m_store->setPolicy("{}"));
        const quint64 serial = m_store->nextSerial();
        reopen();
        QCOMPARE(m_store->token(QStringLiteral("t"))->usesLeft, 2);
        QVERIFY(m_store->host(QStringLiteral("alice"))->revoked);
        QCOMPARE(m_store->revocationVersion(), qint64(1));
        QCOMPARE(m_store->policyVersion(), qint64(1));
        QCOMPARE(m_store->nextSerial(), serial + 1);
        QVERIFY(m_store->answeredRequest(QStringLiteral("0000000000000001")));
        QVERIFY(ownerOnly(path()));
    }
};

QTEST_GUILESS_MAIN(TstMasterStore)
#include "tst_masterstore.moc"
