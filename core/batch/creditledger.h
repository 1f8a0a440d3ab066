#pragma once

#include <QDate>
#include <QDateTime>
#include <QList>
#include <QPair>
#include <QString>
#include <optional>

namespace pvc::core {

// The master's credit ledger (docs/batch.md, "The ledger"): SQLite beside `pvc-admin serve`'s store, in the
// master's folder (ledger.db, mode 0600). pvc-batch writes each certified task's grants into it; the master
// reads each host's summary from it to sign the host's statement, and remembers what it last stated.
// Grants are keyed by batch, task and host, so writing them again (a batch resumed) changes nothing.
class CreditLedger {
public:
    struct Grant {
        QString task;
        QString host;
        double credit = 0;
        double cpuSeconds = 0;
    };
    struct HostSummary {
        QString host;
        double total = 0;
        qint64 certifiedTasks = 0;
        double recentAverage = 0; // credit per day, each grant weighted by 2^(-age / 7 days) * ln 2 / 7 days
        QList<QPair<QDate, double>> history; // per UTC day, the last HistoryDays days with grants
        QString digest; // of total, tasks and history: what a new statement is needed for
    };
    struct Published {
        qint64 version = 0;
        QString digest;
        QDateTime issued;
    };
    static constexpr int HistoryDays = 60;

    CreditLedger() = default;
    ~CreditLedger();
    CreditLedger(const CreditLedger&) = delete;
    CreditLedger& operator=(const CreditLedger&) = delete;

    bool open(const QString& path, QString* error);
    // Replaces the task's grants in that batch (none: the task was opened again).
    bool setTaskGrants(const QString& batch, const QString& task, const QList<Grant>& grants);
    // Replaces every grant of the batch (pvc-batch at start, from its own store).
    bool syncBatch(const QString& batch, const QList<Grant>& grants);

    QList<HostSummary> summaries(const QDateTime& now) const;
    std::optional<Published> published(const QString& host) const;
    bool setPublished(const QString& host, const Published& published);

private:
    bool replace(const QString& batch, const QString& task, const QList<Grant>& grants);

    QString m_connection;
};

} // namespace pvc::core
