#include "master/masterstore.h"

#include "common/logging.h"

#include <QFile>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>

namespace pvc::master {

using namespace pvc::core;

namespace {
bool run(QSqlQuery& query)
{
    if (query.exec())
        return true;
    qCWarning(lcMaster) << "storage error:" << query.lastError().text();
    return false;
}

MasterStore::Host hostFrom(const QSqlQuery& q)
{
    return MasterStore::Host { q.value(0).toString(), q.value(1).toString(), q.value(2).toString(),
        q.value(3).toByteArray(), q.value(4).toByteArray(), QDateTime::fromString(q.value(5).toString(), Qt::ISODate),
        QDateTime::fromString(q.value(6).toString(), Qt::ISODate), q.value(7).toBool() };
}

constexpr const char* HostColumns = "name, ip, serial, cert, pubkey, issued, last_seen, revoked";
} // namespace

MasterStore::~MasterStore()
{
    if (!m_connectionName.isEmpty()) {
        QSqlDatabase::database(m_connectionName).close();
        QSqlDatabase::removeDatabase(m_connectionName);
    }
}

bool MasterStore::open(const QString& path, QString* error)
{
    if (!QFile::exists(path)) {
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly) || !file.setPermissions(QFile::ReadOwner | QFile::WriteOwner)) {
            *error = file.errorString();
            return false;
        }
    }
    m_connectionName = QUuid::createUuid().toString();
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName);
    db.setDatabaseName(path);
    db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
    if (!db.open()) {
        *error = db.lastError().text();
        return false;
    }
    const char* schema[] = {
        "PRAGMA journal_mode=WAL",
        "CREATE TABLE IF NOT EXISTS hosts (name TEXT PRIMARY KEY, ip TEXT NOT NULL UNIQUE, serial TEXT NOT NULL UNIQUE,"
        " cert TEXT NOT NULL, pubkey TEXT NOT NULL, issued TEXT NOT NULL, last_seen TEXT, revoked INTEGER DEFAULT 0)",
        "CREATE TABLE IF NOT EXISTS tokens (id TEXT PRIMARY KEY, secret BLOB NOT NULL, uses_left INTEGER NOT NULL,"
        " expires TEXT NOT NULL, groups TEXT NOT NULL DEFAULT 'volunteer')",
        "CREATE TABLE IF NOT EXISTS requests (id TEXT PRIMARY KEY, answer TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        // Every serial ever issued, so that a revocation also covers a host's earlier certificates.
        "CREATE TABLE IF NOT EXISTS serials (serial TEXT PRIMARY KEY, name TEXT NOT NULL)",
    };
    for (const char* statement : schema) {
        QSqlQuery query(db);
        if (!query.exec(QString::fromLatin1(statement))) {
            *error = query.lastError().text();
            return false;
        }
    }
    return true;
}

QString MasterStore::meta(const char* key) const
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.prepare(QStringLiteral("SELECT value FROM meta WHERE key = ?"));
    q.addBindValue(QString::fromLatin1(key));
    return run(q) && q.next() ? q.value(0).toString() : QString();
}

bool MasterStore::setMeta(const char* key, const QString& value)
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.prepare(QStringLiteral(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
    q.addBindValue(QString::fromLatin1(key));
    q.addBindValue(value);
    return run(q);
}

bool MasterStore::addToken(const Token& token)
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.prepare(QStringLiteral("INSERT INTO tokens (id, secret, uses_left, expires, groups) VALUES (?, ?, ?, ?, ?)"));
    q.addBindValue(token.id);
    q.addBindValue(token.secret);
    q.addBindValue(token.usesLeft);
    q.addBindValue(token.expires.toUTC().toString(Qt::ISODate));
    q.addBindValue(token.groups.isEmpty() ? QStringLiteral("volunteer") : token.groups.join(QLatin1Char(',')));
    return run(q);
}

std::optional<MasterStore::Token> MasterStore::token(const QString& id) const
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.prepare(QStringLiteral("SELECT id, secret, uses_left, expires, groups FROM tokens WHERE id = ?"));
    q.addBindValue(id);
    if (!run(q) || !q.next())
        return std::nullopt;
    return Token { q.value(0).toString(), q.value(1).toByteArray(), q.value(2).toInt(),
        QDateTime::fromString(q.value(3).toString(), Qt::ISODate),
        q.value(4).toString().split(QLatin1Char(','), Qt::SkipEmptyParts) };
}

std::optional<MasterStore::Host> MasterStore::host(const QString& name) const
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.prepare(QStringLiteral("SELECT %1 FROM hosts WHERE name = ?").arg(QLatin1String(HostColumns)));
    q.addBindValue(name);
    if (!run(q) || !q.next())
        return std::nullopt;
    return hostFrom(q);
}

QList<MasterStore::Host> MasterStore::hosts() const
{
    QList<Host> result;
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.prepare(QStringLiteral("SELECT %1 FROM hosts ORDER BY name").arg(QLatin1String(HostColumns)));
    if (run(q))
        while (q.next())
            result << hostFrom(q);
    return result;
}

QList<QString> MasterStore::usedAddresses() const
{
    QList<QString> result;
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.prepare(QStringLiteral("SELECT ip FROM hosts"));
    if (run(q))
        while (q.next())
            result << q.value(0).toString();
    return result;
}

quint64 MasterStore::nextSerial()
{
    const quint64 serial = meta("next_serial").toULongLong() + 1;
    setMeta("next_serial", QString::number(serial));
    return serial + 0x1000; // serials start high enough to never be confused with small counters
}

bool MasterStore::setLastSeen(const QString& name, const QDateTime& when)
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.prepare(QStringLiteral("UPDATE hosts SET last_seen = ? WHERE name = ? AND (last_seen IS NULL OR last_seen < ?)"));
    const QString stamp = when.toUTC().toString(Qt::ISODate);
    q.addBindValue(stamp);
    q.addBindValue(name);
    q.addBindValue(stamp);
    return run(q);
}

bool MasterStore::revoke(const QString& name)
{
    QSqlDatabase db = QSqlDatabase::database(m_connectionName);
    db.transaction();
    QSqlQuery q(db);
    q.prepare(QStringLiteral("UPDATE hosts SET revoked = 1 WHERE name = ? AND revoked = 0"));
    q.addBindValue(name);
    if (!run(q) || q.numRowsAffected() != 1) {
        db.rollback();
        return false;
    }
    if (!setMeta("revocation_version", QString::number(revocationVersion() + 1))) {
        db.rollback();
        return false;
    }
    return db.commit();
}

QList<QString> MasterStore::revokedSerials() const
{
    QList<QString> result;
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.prepare(QStringLiteral("SELECT serials.serial FROM serials JOIN hosts ON serials.name = hosts.name"
                             " WHERE hosts.revoked = 1 UNION SELECT serial FROM hosts WHERE revoked = 1"));
    if (run(q))
        while (q.next())
            result << q.value(0).toString();
    return result;
}

qint64 MasterStore::revocationVersion() const
{
    return meta("revocation_version").toLongLong();
}

bool MasterStore::setPolicy(const QByteArray& policyJson)
{
    QSqlDatabase db = QSqlDatabase::database(m_connectionName);
    if (!db.transaction())
        return false;
    if (!setMeta("policy", QString::fromUtf8(policyJson))
        || !setMeta("policy_version", QString::number(policyVersion() + 1))) {
        db.rollback();
        return false;
    }
    return db.commit();
}

QByteArray MasterStore::policy() const
{
    return meta("policy").toUtf8();
}

qint64 MasterStore::policyVersion() const
{
    return meta("policy_version").toLongLong();
}

std::optional<QByteArray> MasterStore::answeredRequest(const QString& id) const
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.prepare(QStringLiteral("SELECT answer FROM requests WHERE id = ?"));
    q.addBindValue(id);
    if (!run(q) || !q.next())
        return std::nullopt;
    return q.value(0).toByteArray();
}

bool MasterStore::commitEnrolment(
    const Host& host, const QString& tokenId, const QString& requestId, const QByteArray& answer)
{
    QSqlDatabase db = QSqlDatabase::database(m_connectionName);
    if (!db.transaction())
        return false;
    QSqlQuery q(db);
    q.prepare(QStringLiteral("INSERT INTO hosts (name, ip, serial, cert, pubkey, issued) VALUES (?, ?, ?, ?, ?, ?)"
                             " ON CONFLICT (name) DO UPDATE SET serial = excluded.serial, cert = excluded.cert,"
                             " issued = excluded.issued"));
    for (const QVariant& value :
        { QVariant(host.name), QVariant(host.virtualIp), QVariant(host.serialHex), QVariant(host.certificatePem),
            QVariant(host.publicKeyPem), QVariant(host.issued.toUTC().toString(Qt::ISODate)) })
        q.addBindValue(value);
    QSqlQuery spend(db);
    spend.prepare(QStringLiteral("UPDATE tokens SET uses_left = uses_left - 1 WHERE id = ? AND uses_left > 0"));
    spend.addBindValue(tokenId);
    QSqlQuery issued(db);
    issued.prepare(QStringLiteral("INSERT INTO serials (serial, name) VALUES (?, ?)"));
    issued.addBindValue(host.serialHex);
    issued.addBindValue(host.name);
    QSqlQuery remember(db);
    remember.prepare(QStringLiteral("INSERT INTO requests (id, answer) VALUES (?, ?)"));
    remember.addBindValue(requestId);
    remember.addBindValue(answer);
    const bool spent = tokenId.isEmpty() || (run(spend) && spend.numRowsAffected() == 1); // empty: a renewal
    if (!run(q) || !run(issued) || !spent || !run(remember)) {
        db.rollback();
        return false;
    }
    return db.commit();
}

bool MasterStore::recordRefusal(const QString& requestId, const QByteArray& answer)
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName));
    q.prepare(QStringLiteral("INSERT OR IGNORE INTO requests (id, answer) VALUES (?, ?)"));
    q.addBindValue(requestId);
    q.addBindValue(answer);
    return run(q);
}

} // namespace pvc::master
