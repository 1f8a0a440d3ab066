#include "brokerstore.h"

#include "common/logging.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>

namespace pvc::broker {

namespace {
QSqlQuery prepare(const QString& connection, const char* sql)
{
    QSqlQuery query(QSqlDatabase::database(connection));
    query.prepare(QString::fromLatin1(sql));
    return query;
}

bool run(QSqlQuery& query)
{
    if (query.exec())
        return true;
    // A full disk or a broken file ends up here: the caller refuses the request, nothing is half-written.
    qCWarning(lcBroker) << "storage error:" << query.lastError().text();
    return false;
}

QByteArray json(const QJsonObject& object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}
QJsonObject object(const QVariant& value)
{
    return QJsonDocument::fromJson(value.toByteArray()).object();
}
} // namespace

BrokerStore::~BrokerStore()
{
    if (!m_connectionName.isEmpty()) {
        QSqlDatabase::database(m_connectionName).close();
        QSqlDatabase::removeDatabase(m_connectionName);
    }
}

bool BrokerStore::open(const QString& directory, QString* error)
{
    if (!QDir().mkpath(directory)) {
        *error = QStringLiteral("cannot create %1").arg(directory);
        return false;
    }
    m_connectionName = QUuid::createUuid().toString();
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName);
    db.setDatabaseName(directory + QStringLiteral("/broker.sqlite"));
    if (!db.open()) {
        *error = db.lastError().text();
        return false;
    }
    const char* schema[] = {
        "PRAGMA journal_mode=WAL",
        "CREATE TABLE IF NOT EXISTS projects (id TEXT PRIMARY KEY, ca TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS members (project TEXT, name TEXT, cert TEXT NOT NULL, last_seen TEXT,"
        " PRIMARY KEY (project, name))",
        "CREATE TABLE IF NOT EXISTS enrolments (project TEXT, id TEXT, request TEXT NOT NULL, result TEXT,"
        " created TEXT NOT NULL, PRIMARY KEY (project, id))",
        "CREATE TABLE IF NOT EXISTS documents (project TEXT, kind TEXT, version INTEGER NOT NULL, body TEXT NOT NULL,"
        " PRIMARY KEY (project, kind))",
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

bool BrokerStore::rememberProject(const QString& project, const QByteArray& caPem)
{
    QSqlQuery query = prepare(m_connectionName, "INSERT OR IGNORE INTO projects (id, ca) VALUES (?, ?)");
    query.addBindValue(project);
    query.addBindValue(QString::fromLatin1(caPem));
    return run(query);
}

QHash<QString, QByteArray> BrokerStore::projects() const
{
    QHash<QString, QByteArray> result;
    QSqlQuery query = prepare(m_connectionName, "SELECT id, ca FROM projects");
    if (run(query))
        while (query.next())
            result.insert(query.value(0).toString(), query.value(1).toString().toLatin1());
    return result;
}

bool BrokerStore::upsertMember(const QString& project, const QString& name, const QByteArray& certificatePem)
{
    QSqlQuery query = prepare(m_connectionName,
        "INSERT INTO members (project, name, cert) VALUES (?, ?, ?)"
        " ON CONFLICT (project, name) DO UPDATE SET cert = excluded.cert");
    query.addBindValue(project);
    query.addBindValue(name);
    query.addBindValue(QString::fromLatin1(certificatePem));
    return run(query);
}

bool BrokerStore::touchMember(const QString& project, const QString& name, const QDateTime& when)
{
    QSqlQuery query = prepare(m_connectionName, "UPDATE members SET last_seen = ? WHERE project = ? AND name = ?");
    query.addBindValue(when.toUTC().toString(Qt::ISODate));
    query.addBindValue(project);
    query.addBindValue(name);
    return run(query);
}

QList<BrokerStore::Member> BrokerStore::members(const QString& project) const
{
    QList<Member> result;
    QSqlQuery query = prepare(m_connectionName, "SELECT name, cert, last_seen FROM members WHERE project = ?");
    query.addBindValue(project);
    if (run(query))
        while (query.next())
            result.append(Member { query.value(0).toString(), query.value(1).toString().toLatin1(),
                QDateTime::fromString(query.value(2).toString(), Qt::ISODate) });
    return result;
}

bool BrokerStore::queueEnrolment(const QString& project, const QString& id, const QJsonObject& request)
{
    QSqlQuery query = prepare(
        m_connectionName, "INSERT OR IGNORE INTO enrolments (project, id, request, created) VALUES (?, ?, ?, ?)");
    query.addBindValue(project);
    query.addBindValue(id);
    query.addBindValue(json(request));
    query.addBindValue(QDateTime::currentDateTimeUtc().toString(Qt::ISODate));
    return run(query);
}

QList<QJsonObject> BrokerStore::pendingEnrolments(const QString& project) const
{
    QList<QJsonObject> result;
    QSqlQuery query = prepare(
        m_connectionName, "SELECT request FROM enrolments WHERE project = ? AND result IS NULL ORDER BY created");
    query.addBindValue(project);
    if (run(query))
        while (query.next())
            result.append(object(query.value(0)));
    return result;
}

int BrokerStore::pendingEnrolmentCount(const QString& project) const
{
    QSqlQuery query = prepare(m_connectionName, "SELECT COUNT(*) FROM enrolments WHERE project = ? AND result IS NULL");
    query.addBindValue(project);
    return run(query) && query.next() ? query.value(0).toInt() : 0;
}

std::optional<QJsonObject> BrokerStore::enrolmentResult(const QString& project, const QString& id) const
{
    QSqlQuery query = prepare(m_connectionName, "SELECT result FROM enrolments WHERE project = ? AND id = ?");
    query.addBindValue(project);
    query.addBindValue(id);
    if (run(query) && query.next() && !query.value(0).isNull())
        return object(query.value(0));
    return std::nullopt;
}

bool BrokerStore::storeEnrolmentResult(const QString& project, const QString& id, const QJsonObject& result)
{
    QSqlQuery query = prepare(m_connectionName, "UPDATE enrolments SET result = ? WHERE project = ? AND id = ?");
    query.addBindValue(json(result));
    query.addBindValue(project);
    query.addBindValue(id);
    return run(query);
}

bool BrokerStore::storeDocument(
    const QString& project, const QString& kind, qint64 version, const QJsonObject& document)
{
    QSqlQuery query = prepare(m_connectionName,
        "INSERT INTO documents (project, kind, version, body) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (project, kind) DO UPDATE SET version = excluded.version, body = excluded.body"
        " WHERE excluded.version > documents.version");
    query.addBindValue(project);
    query.addBindValue(kind);
    query.addBindValue(version);
    query.addBindValue(json(document));
    return run(query);
}

std::optional<QJsonObject> BrokerStore::document(const QString& project, const QString& kind) const
{
    QSqlQuery query = prepare(m_connectionName, "SELECT body FROM documents WHERE project = ? AND kind = ?");
    query.addBindValue(project);
    query.addBindValue(kind);
    if (run(query) && query.next())
        return object(query.value(0));
    return std::nullopt;
}

qint64 BrokerStore::documentVersion(const QString& project, const QString& kind) const
{
    QSqlQuery query = prepare(m_connectionName, "SELECT version FROM documents WHERE project = ? AND kind = ?");
    query.addBindValue(project);
    query.addBindValue(kind);
    return run(query) && query.next() ? query.value(0).toLongLong() : -1;
}

} // namespace pvc::broker
