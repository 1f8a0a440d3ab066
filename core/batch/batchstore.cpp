#include "batch/batchstore.h"

#include "common/logging.h"

#include <QFile>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>

namespace pvc::core {

namespace {
bool run(QSqlQuery& query)
{
    if (query.exec())
        return true;
    qCWarning(lcBatch) << "batch storage error:" << query.lastError().text();
    return false;
}

// SQLite takes a null QString as NULL: empty text instead.
QString text(const QString& value)
{
    return value.isNull() ? QStringLiteral("") : value;
}

int kindNumber(BatchStore::Event::Kind kind)
{
    return int(kind);
}
} // namespace

BatchStore::~BatchStore()
{
    if (!m_connection.isEmpty()) {
        QSqlDatabase::database(m_connection).close();
        QSqlDatabase::removeDatabase(m_connection);
    }
}

bool BatchStore::open(const QString& path, QString* error)
{
    m_connection = QUuid::createUuid().toString();
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connection);
    db.setDatabaseName(path);
    db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
    if (!db.open()) {
        *error = db.lastError().text();
        return false;
    }
    const char* schema[] = {
        "PRAGMA journal_mode=WAL",
        "PRAGMA synchronous=FULL",
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT, kind INTEGER NOT NULL,"
        " task TEXT NOT NULL, host TEXT NOT NULL, key TEXT NOT NULL, cpu_s REAL NOT NULL, at TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS decisions (task TEXT PRIMARY KEY, state TEXT NOT NULL, key TEXT NOT NULL,"
        " hosts TEXT NOT NULL, reason TEXT NOT NULL, at TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS credits (task TEXT NOT NULL, host TEXT NOT NULL, cpu_s REAL NOT NULL,"
        " credit REAL NOT NULL, at TEXT NOT NULL, PRIMARY KEY (task, host))",
    };
    for (const char* statement : schema) {
        QSqlQuery query(db);
        if (!query.exec(QString::fromLatin1(statement))) {
            *error = query.lastError().text();
            return false;
        }
    }
    QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup);
    return true;
}

QString BatchStore::descriptionDigest() const
{
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.prepare(QStringLiteral("SELECT value FROM meta WHERE key = 'description'"));
    return run(q) && q.next() ? q.value(0).toString() : QString();
}

bool BatchStore::setDescriptionDigest(const QString& digest)
{
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.prepare(QStringLiteral("INSERT INTO meta (key, value) VALUES ('description', ?)"
                             " ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
    q.addBindValue(digest);
    return run(q);
}

bool BatchStore::append(const Event& event)
{
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.prepare(QStringLiteral(
        "INSERT INTO events (kind, task, host, key, cpu_s, at) VALUES (?, ?, ?, ?, ?, datetime('now'))"));
    q.addBindValue(kindNumber(event.kind));
    q.addBindValue(text(event.task));
    q.addBindValue(text(event.host));
    q.addBindValue(text(event.key));
    q.addBindValue(event.cpuSeconds);
    return run(q);
}

QList<BatchStore::Event> BatchStore::events() const
{
    QList<Event> all;
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.prepare(QStringLiteral("SELECT kind, task, host, key, cpu_s FROM events ORDER BY seq"));
    if (run(q))
        while (q.next()) {
            const int kind = q.value(0).toInt();
            if (kind < 0 || kind > kindNumber(Event::Kind::SpotFailed))
                continue;
            all.append({ Event::Kind(kind), q.value(1).toString(), q.value(2).toString(), q.value(3).toString(),
                q.value(4).toDouble() });
        }
    return all;
}

bool BatchStore::decide(const Decision& decision, const QList<Credit>& credits)
{
    QSqlDatabase db = QSqlDatabase::database(m_connection);
    if (!db.transaction())
        return false;
    QSqlQuery q(db);
    q.prepare(QStringLiteral("INSERT OR REPLACE INTO decisions (task, state, key, hosts, reason, at)"
                             " VALUES (?, ?, ?, ?, ?, datetime('now'))"));
    q.addBindValue(decision.task);
    q.addBindValue(decision.state);
    q.addBindValue(text(decision.key));
    q.addBindValue(text(decision.hosts.join(QLatin1Char(','))));
    q.addBindValue(text(decision.reason));
    bool ok = run(q);
    QSqlQuery clear(db);
    clear.prepare(QStringLiteral("DELETE FROM credits WHERE task = ?"));
    clear.addBindValue(decision.task);
    ok = ok && run(clear);
    for (const Credit& credit : credits) {
        QSqlQuery grant(db);
        grant.prepare(
            QStringLiteral("INSERT INTO credits (task, host, cpu_s, credit, at) VALUES (?, ?, ?, ?, datetime('now'))"));
        grant.addBindValue(credit.task);
        grant.addBindValue(credit.host);
        grant.addBindValue(credit.cpuSeconds);
        grant.addBindValue(credit.credit);
        ok = ok && run(grant);
    }
    if (ok)
        return db.commit();
    db.rollback();
    return false;
}

bool BatchStore::reopen(const QString& task)
{
    QSqlDatabase db = QSqlDatabase::database(m_connection);
    if (!db.transaction())
        return false;
    bool ok = true;
    for (const char* statement : { "DELETE FROM decisions WHERE task = ?", "DELETE FROM credits WHERE task = ?" }) {
        QSqlQuery q(db);
        q.prepare(QString::fromLatin1(statement));
        q.addBindValue(task);
        ok = ok && run(q);
    }
    if (ok)
        return db.commit();
    db.rollback();
    return false;
}

QList<BatchStore::Decision> BatchStore::decisions() const
{
    QList<Decision> all;
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.prepare(QStringLiteral("SELECT task, state, key, hosts, reason FROM decisions ORDER BY task"));
    if (run(q))
        while (q.next())
            all.append({ q.value(0).toString(), q.value(1).toString(), q.value(2).toString(),
                q.value(3).toString().split(QLatin1Char(','), Qt::SkipEmptyParts), q.value(4).toString() });
    return all;
}

QList<BatchStore::Credit> BatchStore::credits() const
{
    QList<Credit> all;
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.prepare(QStringLiteral("SELECT task, host, cpu_s, credit FROM credits ORDER BY task, host"));
    if (run(q))
        while (q.next())
            all.append({ q.value(0).toString(), q.value(1).toString(), q.value(2).toDouble(), q.value(3).toDouble() });
    return all;
}

} // namespace pvc::core
