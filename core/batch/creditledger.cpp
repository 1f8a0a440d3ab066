#include "batch/creditledger.h"

#include "common/logging.h"

#include <QCryptographicHash>
#include <QFile>
#include <QHash>
#include <QMap>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>
#include <cmath>

namespace pvc::core {

namespace {
constexpr double HalfLifeDays = 7.0;

bool run(QSqlQuery& query)
{
    if (query.exec())
        return true;
    qCWarning(lcBatch) << "ledger storage error:" << query.lastError().text();
    return false;
}
} // namespace

CreditLedger::~CreditLedger()
{
    if (!m_connection.isEmpty()) {
        QSqlDatabase::database(m_connection).close();
        QSqlDatabase::removeDatabase(m_connection);
    }
}

bool CreditLedger::open(const QString& path, QString* error)
{
    if (!QFile::exists(path)) {
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly) || !file.setPermissions(QFile::ReadOwner | QFile::WriteOwner)) {
            *error = QStringLiteral("cannot make %1: %2").arg(path, file.errorString());
            return false;
        }
    }
    m_connection = QUuid::createUuid().toString();
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connection);
    db.setDatabaseName(path);
    db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=10000"));
    if (!db.open()) {
        *error = db.lastError().text();
        return false;
    }
    const char* schema[] = {
        "PRAGMA journal_mode=WAL",
        "CREATE TABLE IF NOT EXISTS grants (batch TEXT NOT NULL, task TEXT NOT NULL, host TEXT NOT NULL,"
        " credit REAL NOT NULL, cpu_s REAL NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (batch, task, host))",
        "CREATE TABLE IF NOT EXISTS statements (host TEXT PRIMARY KEY, version INTEGER NOT NULL,"
        " digest TEXT NOT NULL, issued TEXT NOT NULL)",
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

bool CreditLedger::replace(const QString& batch, const QString& task, const QList<Grant>& grants)
{
    QSqlDatabase db = QSqlDatabase::database(m_connection);
    // IMMEDIATE: the write lock first (waiting for pvc-admin serve's own writes), never a read that cannot
    // become a write because the other process wrote meanwhile.
    QSqlQuery begin(db);
    if (!begin.exec(QStringLiteral("BEGIN IMMEDIATE"))) {
        qCWarning(lcBatch) << "ledger busy:" << begin.lastError().text();
        return false;
    }
    const QString scope = task.isNull() ? QStringLiteral("batch = ?") : QStringLiteral("batch = ? AND task = ?");
    const auto bindScope = [&](QSqlQuery& q) {
        q.addBindValue(batch);
        if (!task.isNull())
            q.addBindValue(task);
    };
    // A grant written again keeps the time it was first made: the recent average does not jump.
    QHash<QString, qint64> firstMade;
    QSqlQuery old(db);
    old.prepare(QStringLiteral("SELECT task, host, at FROM grants WHERE ") + scope);
    bindScope(old);
    bool ok = run(old);
    while (ok && old.next())
        firstMade.insert(
            old.value(0).toString() + QLatin1Char('/') + old.value(1).toString(), old.value(2).toLongLong());
    QSqlQuery clear(db);
    clear.prepare(QStringLiteral("DELETE FROM grants WHERE ") + scope);
    bindScope(clear);
    ok = ok && run(clear);
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    for (const Grant& grant : grants) {
        QSqlQuery insert(db);
        insert.prepare(
            QStringLiteral("INSERT INTO grants (batch, task, host, credit, cpu_s, at) VALUES (?, ?, ?, ?, ?, ?)"));
        insert.addBindValue(batch);
        insert.addBindValue(grant.task);
        insert.addBindValue(grant.host);
        insert.addBindValue(grant.credit);
        insert.addBindValue(grant.cpuSeconds);
        insert.addBindValue(firstMade.value(grant.task + QLatin1Char('/') + grant.host, now));
        ok = ok && run(insert);
    }
    QSqlQuery end(db);
    if (ok && end.exec(QStringLiteral("COMMIT")))
        return true;
    end.exec(QStringLiteral("ROLLBACK"));
    return false;
}

bool CreditLedger::setTaskGrants(const QString& batch, const QString& task, const QList<Grant>& grants)
{
    return replace(batch, task.isNull() ? QStringLiteral("") : task, grants);
}

bool CreditLedger::syncBatch(const QString& batch, const QList<Grant>& grants)
{
    return replace(batch, QString(), grants);
}

QList<CreditLedger::HostSummary> CreditLedger::summaries(const QDateTime& now) const
{
    QMap<QString, HostSummary> hosts;
    QHash<QString, QMap<QDate, double>> days;
    const qint64 nowSecs = now.toSecsSinceEpoch();
    const QDate oldest = now.toUTC().date().addDays(-(HistoryDays - 1));
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.prepare(QStringLiteral("SELECT host, credit, at FROM grants"));
    if (run(q))
        while (q.next()) {
            HostSummary& h = hosts[q.value(0).toString()];
            const double credit = q.value(1).toDouble();
            const qint64 at = q.value(2).toLongLong();
            h.total += credit;
            h.certifiedTasks += 1;
            const double ageDays = std::max<qint64>(0, nowSecs - at) / 86400.0;
            h.recentAverage += credit * std::log(2.0) / HalfLifeDays * std::exp2(-ageDays / HalfLifeDays);
            const QDate day = QDateTime::fromSecsSinceEpoch(at, Qt::UTC).date();
            if (day >= oldest)
                days[q.value(0).toString()][day] += credit;
        }
    QList<HostSummary> all;
    for (auto it = hosts.begin(); it != hosts.end(); ++it) {
        it->host = it.key();
        QByteArray content = QByteArray::number(it->total, 'g', 12) + ' ' + QByteArray::number(it->certifiedTasks);
        const QMap<QDate, double>& perDay = days.value(it.key());
        for (auto day = perDay.constBegin(); day != perDay.constEnd(); ++day) {
            it->history.append({ day.key(), day.value() });
            content
                += ' ' + day.key().toString(Qt::ISODate).toLatin1() + '=' + QByteArray::number(day.value(), 'g', 12);
        }
        it->digest = QString::fromLatin1(QCryptographicHash::hash(content, QCryptographicHash::Sha256).toHex());
        all.append(*it);
    }
    return all;
}

std::optional<CreditLedger::Published> CreditLedger::published(const QString& host) const
{
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.prepare(QStringLiteral("SELECT version, digest, issued FROM statements WHERE host = ?"));
    q.addBindValue(host);
    if (!run(q) || !q.next())
        return std::nullopt;
    return Published { q.value(0).toLongLong(), q.value(1).toString(),
        QDateTime::fromString(q.value(2).toString(), Qt::ISODate) };
}

bool CreditLedger::setPublished(const QString& host, const Published& published)
{
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.prepare(QStringLiteral("INSERT OR REPLACE INTO statements (host, version, digest, issued) VALUES (?, ?, ?, ?)"));
    q.addBindValue(host);
    q.addBindValue(published.version);
    q.addBindValue(published.digest);
    q.addBindValue(published.issued.toUTC().toString(Qt::ISODate));
    return run(q);
}

} // namespace pvc::core
