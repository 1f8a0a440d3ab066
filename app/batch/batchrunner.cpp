// BatchRunner's loop, its start (journal replay, blocklist) and its dispatching; what comes back is
// taken in batchresults.cpp.
#include "batchrunner.h"

#include "common/logging.h"
#include "workqueuetask.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <unistd.h>

extern "C" {
#include <cctools/debug.h>
#include <cctools/work_queue.h>
}

namespace pvc::batch {

using core::BatchStore;
using core::Certifier;

namespace {
std::atomic_bool stopRequested { false };
} // namespace

BatchRunner::BatchRunner(core::BatchSpec spec, Options options, std::unique_ptr<HostList> hosts)
    : m_spec(std::move(spec))
    , m_options(std::move(options))
    , m_hosts(std::move(hosts))
    , m_certifier(m_spec.certification)
    , m_files(m_options.dir, m_spec.certification.comparator)
{
    for (const core::TaskSpec& task : std::as_const(m_spec.tasks)) {
        m_tasks.insert(task.id, &task);
        m_certifier.addTask(task.id);
    }
}

BatchRunner::~BatchRunner()
{
    if (m_queue)
        work_queue_delete(m_queue);
}

void BatchRunner::requestStop()
{
    stopRequested = true;
}

bool BatchRunner::open(QString* error)
{
    if (!QDir().mkpath(m_options.dir)) {
        *error = QStringLiteral("cannot make %1").arg(m_options.dir);
        return false;
    }
    if (!m_store.open(m_options.dir + QStringLiteral("/batch.db"), error))
        return false;
    QByteArray description;
    for (const core::TaskSpec& task : std::as_const(m_spec.tasks))
        description += task.id.toUtf8() + '\0' + task.command.toUtf8() + '\0';
    const QString digest
        = QString::fromLatin1(QCryptographicHash::hash(description, QCryptographicHash::Sha256).toHex());
    const QString stored = m_store.descriptionDigest();
    if (!stored.isEmpty() && stored != digest) {
        *error = QStringLiteral("%1 holds another batch (its tasks differ): give this one a folder of its own")
                     .arg(m_options.dir);
        return false;
    }
    if (stored.isEmpty() && !m_store.setDescriptionDigest(digest)) {
        *error = QStringLiteral("cannot write to %1/batch.db").arg(m_options.dir);
        return false;
    }
    m_batchId = m_spec.name + QLatin1Char('-') + digest.left(12);
    if (!m_options.ledger.isEmpty()) {
        m_ledger = std::make_unique<core::CreditLedger>();
        QString ledgerError;
        if (!m_ledger->open(m_options.ledger, &ledgerError)) {
            *error = QStringLiteral("cannot open the credit ledger %1: %2").arg(m_options.ledger, ledgerError);
            return false;
        }
        QList<core::CreditLedger::Grant> grants;
        for (const BatchStore::Credit& credit : m_store.credits())
            grants.append({ credit.task, credit.host, credit.credit, credit.cpuSeconds });
        m_ledger->syncBatch(m_batchId, grants);
    }
    if (m_options.debugLog) {
        cctools_debug_config_file((m_options.dir + QStringLiteral("/workqueue.debug")).toLocal8Bit().constData());
        cctools_debug_flags_set("wq");
    }
    m_queue = work_queue_create(m_options.port);
    if (!m_queue) {
        *error = QStringLiteral("cannot listen on port %1 (is another manager there?)").arg(m_options.port);
        return false;
    }
    return true;
}

// The journal, replayed: every vote, failure and spot-check as it happened, then the decisions the
// certifier reaches again are made good (a crash between a result and its publication loses nothing).
void BatchRunner::replay()
{
    const QList<BatchStore::Event> events = m_store.events();
    for (const BatchStore::Event& event : events) {
        switch (event.kind) {
        case BatchStore::Event::Kind::Result:
            if (m_certifier.contains(event.task)) {
                m_certifier.resulted(event.task, event.host, event.key);
                m_cpu.insert(event.task + QLatin1Char('/') + event.host, event.cpuSeconds);
            }
            break;
        case BatchStore::Event::Kind::Failure:
            if (m_certifier.contains(event.task))
                m_certifier.failed(event.task, event.host);
            break;
        case BatchStore::Event::Kind::SpotPassed:
            m_certifier.spotCheckPassed(event.host);
            break;
        case BatchStore::Event::Kind::SpotFailed:
            m_certifier.spotCheckFailed(event.host);
            break;
        }
    }
    for (const BatchStore::Decision& decision : m_store.decisions())
        if (decision.state == QLatin1String("certified"))
            m_published.insert(decision.task, decision.key);
    for (const core::TaskSpec& task : std::as_const(m_spec.tasks))
        settle(task.id);
    m_decidedAtStart = int(m_published.size() + m_inDoubt.size());
    if (!events.isEmpty() && !m_options.quiet)
        std::fprintf(stderr, "pvc-batch: resuming: %d events replayed, %d of %lld tasks decided\n", int(events.size()),
            m_decidedAtStart, qlonglong(m_spec.tasks.size()));
}

void BatchRunner::applyBlocklist()
{
    QFile file(m_options.blocklist);
    if (m_options.blocklist.isEmpty() || !file.open(QIODevice::ReadOnly))
        return;
    for (const QByteArray& line : file.read(1 << 20).split('\n')) {
        const QString host = QString::fromUtf8(line.trimmed());
        if (host.isEmpty() || m_certifier.isBlocked(host))
            continue;
        for (const QString& task : m_certifier.spotCheckFailed(host))
            settle(task);
    }
    for (const QString& host : m_certifier.blockedHosts())
        work_queue_block_host(m_queue, host.toUtf8().constData());
}

BatchRunner::Outcome BatchRunner::run(QString* error)
{
    if (!open(error))
        return Outcome::Failed;
    m_clock.start();
    replay();
    applyBlocklist();
    if (!m_options.quiet)
        std::fprintf(stderr, "pvc-batch: %s: %lld tasks, manager on port %d\n", qPrintable(m_spec.name),
            qlonglong(m_spec.tasks.size()), work_queue_port(m_queue));
    while (!finished() || closingChecksPending()) {
        if (stopRequested) {
            showProgress(true);
            return Outcome::Interrupted;
        }
        expireUnstarted();
        dispatch();
        if (struct work_queue_task* task = work_queue_wait(m_queue, 1))
            take(task);
        showProgress(false);
    }
    // Known-answer tasks still out do not hold the batch up.
    for (auto it = m_flights.constBegin(); it != m_flights.constEnd(); ++it)
        if (struct work_queue_task* task = work_queue_cancel_by_taskid(m_queue, it.key()))
            work_queue_task_delete(task);
    m_flights.clear();
    showProgress(true);
    return m_inDoubt.isEmpty() ? Outcome::Certified : Outcome::SomeInDoubt;
}

bool BatchRunner::finished() const
{
    for (const core::TaskSpec& task : std::as_const(m_spec.tasks))
        if (m_certifier.state(task.id) == Certifier::State::Pending)
            return false;
    return true;
}

// With spot-checks on, no host's results stand before it faced one: a host that contributed without having
// had its turn (it came late, or the batch was short) is given a known-answer task before the batch ends,
// once. One that never answers it (left, failed) is named; its results stand.
bool BatchRunner::closingChecksPending()
{
    if (m_spec.certification.spotCheckEvery <= 0 || m_spec.spotChecks.isEmpty())
        return false;
    QSet<QString> checking;
    for (const Flight& flight : std::as_const(m_flights))
        if (flight.spotCheck)
            checking.insert(flight.host);
    QSet<QString> contributors;
    for (const core::TaskSpec& task : std::as_const(m_spec.tasks))
        for (const QString& host : m_certifier.acceptedHosts(task.id))
            contributors.insert(host);
    bool pending = false;
    for (const QString& host : std::as_const(contributors)) {
        if (m_certifier.isBlocked(host) || m_certifier.spotChecksPassed(host) > 0)
            continue;
        if (checking.contains(host)) {
            pending = true;
        } else if (!m_closingChecks.contains(host)) {
            m_closingChecks.insert(host);
            submitSpotCheck(host);
            pending = true;
        } else if (!m_options.quiet && !m_unchecked.contains(host)) {
            m_unchecked.insert(host);
            std::fprintf(stderr, "pvc-batch: %s never answered a known-answer task: its results stand unchecked\n",
                qPrintable(host));
        }
    }
    return pending;
}

QString BatchRunner::pickHost(const QSet<QString>& excluded) const
{
    QHash<QString, int> load;
    for (const Flight& flight : std::as_const(m_flights))
        ++load[flight.host];
    const qint64 now = m_clock.elapsed();
    QString best;
    for (const QString& host : m_hosts->hosts()) {
        if (excluded.contains(host) || m_certifier.isBlocked(host) || m_unavailableUntil.value(host) > now
            || load.value(host) >= m_options.perHost)
            continue;
        if (best.isEmpty() || load.value(host) < load.value(best))
            best = host;
    }
    return best;
}

void BatchRunner::dispatch()
{
    for (const core::TaskSpec& task : std::as_const(m_spec.tasks)) {
        for (int wanted = m_certifier.replicasWanted(task.id); wanted > 0;) {
            const QSet<QString> used = m_certifier.hostsUsed(task.id);
            const QString host = pickHost(used);
            if (host.isEmpty()) {
                giveUpIfNoHostLeft(task.id, used);
                break;
            }
            if (m_certifier.takeSpotCheckTurn(host)) {
                submitSpotCheck(host);
                continue;
            }
            if (!submit(task, host, false))
                return;
            --wanted;
        }
    }
}

// Every known host ran this task already (or is blocked), and nothing of it is in flight: no vote can come.
void BatchRunner::giveUpIfNoHostLeft(const QString& task, const QSet<QString>& used)
{
    const QStringList hosts = m_hosts->hosts();
    if (hosts.isEmpty() || m_certifier.inFlight(task) > 0)
        return;
    for (const QString& host : hosts)
        if (!used.contains(host) && !m_certifier.isBlocked(host))
            return;
    m_certifier.exhausted(task,
        QStringLiteral("no host left to try: each of the %1 hosts ran it, failed or is blocked").arg(hosts.size()));
    settle(task);
}

bool BatchRunner::submit(const core::TaskSpec& task, const QString& host, bool spotCheck)
{
    // A known-answer task's outputs go where a replica's would: nothing in the task tells it apart.
    const QString dir = m_files.replicaDir(spotCheck ? QStringLiteral(".spot-checks/") + task.id : task.id, host);
    QDir(dir).removeRecursively();
    if (!QDir().mkpath(dir)) {
        std::fprintf(stderr, "pvc-batch: cannot make %s\n", qPrintable(dir));
        return false;
    }
    struct work_queue_task* t = makeWorkQueueTask(task, host, dir, task.id);
    const int id = t ? work_queue_submit(m_queue, t) : 0;
    if (id <= 0) {
        std::fprintf(stderr, "pvc-batch: Work Queue refused a task of %s\n", qPrintable(task.id));
        return false;
    }
    m_flights.insert(id, Flight { task.id, host, spotCheck, m_clock.elapsed() });
    if (!spotCheck)
        m_certifier.dispatched(task.id, host);
    return true;
}

void BatchRunner::submitSpotCheck(const QString& host)
{
    const core::TaskSpec& check = m_spec.spotChecks.at(m_spotCheckIndex++ % m_spec.spotChecks.size());
    submit(check, host, true);
}

// A replica pinned to a host whose worker never took it (the owner paused, the host left): given up, and
// the host left out for a while.
void BatchRunner::expireUnstarted()
{
    const qint64 now = m_clock.elapsed();
    const qint64 limit = qint64(m_options.replicaTimeoutS) * 1000;
    for (auto it = m_flights.begin(); it != m_flights.end();) {
        if (now - it->submittedMs < limit || work_queue_task_state(m_queue, it.key()) != WORK_QUEUE_TASK_READY) {
            ++it;
            continue;
        }
        if (struct work_queue_task* task = work_queue_cancel_by_taskid(m_queue, it.key()))
            work_queue_task_delete(task);
        if (!it->spotCheck)
            m_certifier.forgotten(it->task, it->host);
        m_unavailableUntil.insert(it->host, now + 2 * limit);
        qCInfo(lcBatch) << "no worker of" << it->host << "took" << it->task << "in" << m_options.replicaTimeoutS
                        << "s: it goes to another host";
        it = m_flights.erase(it);
    }
}

void BatchRunner::showProgress(bool final)
{
    const qint64 now = m_clock.elapsed();
    if (m_options.quiet || (!final && now - m_lastProgressMs < (isatty(STDERR_FILENO) ? 500 : 5000)))
        return;
    m_lastProgressMs = now;
    const int total = int(m_spec.tasks.size());
    const int certified = int(m_published.size());
    const int doubt = int(m_inDoubt.size());
    const int decided = certified + doubt;
    QString eta = QStringLiteral("--:--");
    if (decided > m_decidedAtStart && decided < total) {
        const qint64 left = now / (decided - m_decidedAtStart) * (total - decided) / 1000;
        eta = QStringLiteral("%1:%2").arg(left / 60).arg(left % 60, 2, 10, QLatin1Char('0'));
    }
    const QString line = QStringLiteral("[%1/%2] certified %3 · in doubt %4 · replicas in flight %5 · hosts %6, "
                                        "blocked %7 · ETA %8")
                             .arg(decided)
                             .arg(total)
                             .arg(certified)
                             .arg(doubt)
                             .arg(m_flights.size())
                             .arg(m_hosts->hosts().size())
                             .arg(m_certifier.blockedHosts().size())
                             .arg(eta);
    QString shown = line;
    if (m_hosts->hosts().isEmpty())
        shown += m_hosts->lastError().isEmpty() ? QStringLiteral(" · no host to run on yet")
                                                : QStringLiteral(" · no host: pvcd says %1").arg(m_hosts->lastError());
    std::fprintf(stderr, isatty(STDERR_FILENO) ? "\r%s\033[K%s" : "%s%s", shown.toUtf8().constData(),
        final || !isatty(STDERR_FILENO) ? "\n" : "");
    QSaveFile progress(m_options.dir + QStringLiteral("/progress.json"));
    if (progress.open(QIODevice::WriteOnly)) {
        progress.write(
            QJsonDocument(QJsonObject { { QStringLiteral("in_flight"), int(m_flights.size()) },
                              { QStringLiteral("hosts"), QJsonArray::fromStringList(m_hosts->hosts()) },
                              { QStringLiteral("running"), !final },
                              { QStringLiteral("updated"), QDateTime::currentDateTimeUtc().toString(Qt::ISODate) } })
                .toJson());
        progress.commit();
    }
}

} // namespace pvc::batch
