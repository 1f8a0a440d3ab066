#pragma once

#include "batch/batchspec.h"
#include "batch/batchstore.h"
#include "batch/certifier.h"
#include "batch/creditledger.h"
#include "hostlist.h"
#include "replicafiles.h"

#include <QElapsedTimer>
#include <QHash>
#include <QSet>
#include <QString>
#include <memory>

struct work_queue;
struct work_queue_task;

namespace pvc::batch {

// `pvc-batch run`: one batch, as the Work Queue manager (docs/batch.md). It replays the batch's journal
// into a Certifier, then loops: pick hosts for the replicas certification wants (a known-answer task on
// a host's spot-check turn), submit them pinned to those hosts, take results back, journal them before
// acting, and publish each task's certified outputs with its report. Ctrl-C stops it; run again, it goes on.
class BatchRunner {
public:
    struct Options {
        QString dir; // the batch folder: batch.db, replicas/, results/
        int port = 9123;
        QString blocklist; // hosts blocked by any batch of this master, one per line
        QString ledger; // the master's credit ledger (MASTERDIR/ledger.db); empty: grants stay in batch.db
        int replicaTimeoutS = 300; // a replica no host picked up in this time is given to another
        int perHost = 2; // replicas in flight per host at most
        bool quiet = false;
        bool debugLog = false; // Work Queue's own debug log in DIR/workqueue.debug
    };
    enum class Outcome { Certified, SomeInDoubt, Interrupted, Failed };

    BatchRunner(core::BatchSpec spec, Options options, std::unique_ptr<HostList> hosts);
    ~BatchRunner();

    Outcome run(QString* error);
    static void requestStop(); // from a signal handler

private:
    struct Flight {
        QString task; // for a spot-check: the known-answer task's id
        QString host;
        bool spotCheck = false;
        qint64 submittedMs = 0;
    };

    bool open(QString* error);
    void replay();
    void applyBlocklist();
    void dispatch();
    QString pickHost(const QSet<QString>& excluded) const;
    void giveUpIfNoHostLeft(const QString& task, const QSet<QString>& used);
    bool submit(const core::TaskSpec& task, const QString& host, bool spotCheck);
    void submitSpotCheck(const QString& host);
    void take(struct work_queue_task* task);
    void takeSpotCheck(const Flight& flight, bool ran);
    void takeReplica(const Flight& flight, bool ran, double cpuSeconds, const QString& why);
    QString classify(const Flight& flight, QString* error) const;
    void settle(const QString& task);
    void block(const QString& host, const QString& why);
    void expireUnstarted();
    void writeReport(const QString& task) const;
    // Copies the task's grants (none once it is opened again) into the master's ledger.
    void grant(const QString& task, const QList<core::BatchStore::Credit>& credits);
    QList<core::BatchStore::Credit> creditsFor(const QString& task) const;
    void showProgress(bool final);
    bool finished() const;
    bool closingChecksPending();

    core::BatchSpec m_spec;
    Options m_options;
    std::unique_ptr<HostList> m_hosts;
    core::BatchStore m_store;
    std::unique_ptr<core::CreditLedger> m_ledger;
    QString m_batchId; // the ledger's name for this batch: its name and description digest
    core::Certifier m_certifier;
    ReplicaFiles m_files;
    struct work_queue* m_queue = nullptr;
    QHash<QString, const core::TaskSpec*> m_tasks;
    QHash<int, Flight> m_flights; // by Work Queue task id
    QHash<QString, qint64> m_unavailableUntil; // hosts that did not pick up a replica, by host
    QHash<QString, double> m_cpu; // "task/host" -> CPU seconds of that replica
    QHash<QString, QString> m_published; // task -> key of the outputs in results/
    QSet<QString> m_inDoubt;
    int m_spotCheckIndex = 0;
    QSet<QString> m_closingChecks; // hosts given a known-answer task at the end (closingChecksPending)
    QSet<QString> m_unchecked; // of those, the ones that never answered it
    QElapsedTimer m_clock;
    int m_decidedAtStart = 0;
    qint64 m_lastProgressMs = -1000000;
};

} // namespace pvc::batch
