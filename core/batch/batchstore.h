#pragma once

#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

namespace pvc::core {

// A batch's state in SQLite (<batch dir>/batch.db, docs/batch.md): an append-only journal of what happened
// (results, failures, spot-checks), from which pvc-batch rebuilds its Certifier after a restart, and the
// decisions and credit grants it made, for `pvc-batch status` and for the ledger. Every append is one
// committed transaction before pvc-batch acts on it: a result that was stored is never lost or redone.
class BatchStore {
public:
    struct Event {
        enum class Kind { Result, Failure, SpotPassed, SpotFailed };
        Kind kind = Kind::Result;
        QString task; // empty for spot-checks
        QString host;
        QString key; // Result: the outputs' comparison class; Failure: why
        double cpuSeconds = 0;
    };
    struct Decision {
        QString task;
        QString state; // "certified" or "in-doubt"
        QString key;
        QStringList hosts;
        QString reason;
    };
    struct Credit {
        QString task;
        QString host;
        double cpuSeconds = 0;
        double credit = 0;
    };

    BatchStore() = default;
    ~BatchStore();
    BatchStore(const BatchStore&) = delete;
    BatchStore& operator=(const BatchStore&) = delete;

    bool open(const QString& path, QString* error);
    // The description's digest: a folder holds one batch, and a different description is refused.
    QString descriptionDigest() const;
    bool setDescriptionDigest(const QString& digest);

    bool append(const Event& event);
    QList<Event> events() const;

    // Records (or replaces) a task's decision and, for a certified one, the credit of each host that agreed,
    // in one transaction; a task opened again loses both until it is decided anew.
    bool decide(const Decision& decision, const QList<Credit>& credits);
    bool reopen(const QString& task);
    QList<Decision> decisions() const;
    QList<Credit> credits() const;

private:
    QString m_connection;
};

} // namespace pvc::core
