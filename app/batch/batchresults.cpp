// BatchRunner's side of what comes back: results journaled before anything else, known answers checked,
// decisions published with their reports and credit.
#include "batchrunner.h"
#include "common/logging.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <algorithm>
#include <cstdio>

extern "C" {
#include <cctools/work_queue.h>
}

namespace pvc::batch {

using core::BatchStore;
using core::Certifier;

namespace {
// BOINC's cobblestone: 200 per day of CPU time on a reference computer of 1,000 MIPS; pvc measures no host's
// speed yet and counts every CPU second as the reference's (docs/batch.md, "Credit").
constexpr double CreditPerCpuSecond = 200.0 / 86400.0;
} // namespace

void BatchRunner::take(struct work_queue_task* task)
{
    const auto it = m_flights.constFind(task->taskid);
    if (it == m_flights.constEnd()) {
        work_queue_task_delete(task);
        return;
    }
    const Flight flight = *it;
    m_flights.erase(it);
    const bool ran = task->result == WORK_QUEUE_RESULT_SUCCESS && task->return_status == 0;
    QString why;
    if (!ran)
        why = task->result != WORK_QUEUE_RESULT_SUCCESS ? QStringLiteral("Work Queue result %1").arg(int(task->result))
                                                        : QStringLiteral("exit status %1").arg(task->return_status);
    const double wallSeconds = double(task->time_workers_execute_last) / 1e6;
    work_queue_task_delete(task);
    if (flight.spotCheck)
        takeSpotCheck(flight, ran);
    else
        takeReplica(flight, ran, wallSeconds * m_tasks.value(flight.task)->cores, why);
}

void BatchRunner::takeSpotCheck(const Flight& flight, bool ran)
{
    const core::TaskSpec* check = nullptr;
    for (const core::TaskSpec& candidate : std::as_const(m_spec.spotChecks))
        if (candidate.id == flight.task)
            check = &candidate;
    const QString dir = m_files.replicaDir(QStringLiteral(".spot-checks/") + flight.task, flight.host);
    if (!check || !ran || m_files.missingOutput(dir, check->outputs))
        return; // it did not run: no verdict (a host that never answers is never credited either)
    for (const QString& output : check->outputs) {
        const ReplicaFiles::Comparison same
            = m_files.compareFiles(dir + QLatin1Char('/') + output, check->expected.value(output));
        if (!same.error.isEmpty()) {
            std::fprintf(stderr, "pvc-batch: spot-check %s of %s not judged: %s\n", qPrintable(flight.task),
                qPrintable(flight.host), qPrintable(same.error));
            return;
        }
        if (!same.equivalent)
            return block(
                flight.host, QStringLiteral("a wrong answer to known-answer task %1 (%2)").arg(flight.task, output));
    }
    if (m_store.append({ BatchStore::Event::Kind::SpotPassed, {}, flight.host, flight.task, 0 }))
        m_certifier.spotCheckPassed(flight.host);
}

void BatchRunner::takeReplica(const Flight& flight, bool ran, double cpuSeconds, const QString& why)
{
    const core::TaskSpec& spec = *m_tasks.value(flight.task);
    QString reason = why;
    QString key;
    if (const auto missing = m_files.missingOutput(m_files.replicaDir(flight.task, flight.host), spec.outputs))
        reason = QStringLiteral("output %1 is missing").arg(*missing)
            + (why.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(why));
    else if (ran)
        key = classify(flight, &reason);
    BatchStore::Event event { BatchStore::Event::Kind::Result, flight.task, flight.host, key, cpuSeconds };
    if (key.isEmpty())
        event = { BatchStore::Event::Kind::Failure, flight.task, flight.host, reason, cpuSeconds };
    // Journaled first: if pvc-batch stops now, the vote is not lost.
    if (!m_store.append(event)) {
        std::fprintf(stderr, "pvc-batch: cannot journal a result of %s (disk full?); it will run again\n",
            qPrintable(flight.task));
        m_certifier.forgotten(flight.task, flight.host);
        return;
    }
    if (key.isEmpty()) {
        qCInfo(lcBatch) << "replica of" << flight.task << "on" << flight.host << "failed:" << reason;
        m_certifier.failed(flight.task, flight.host);
    } else {
        m_cpu.insert(flight.task + QLatin1Char('/') + flight.host, cpuSeconds);
        m_certifier.resulted(flight.task, flight.host, key);
    }
    settle(flight.task);
}

// The outputs' comparison class: their digest, or with a comparator the host whose equivalent outputs came first.
QString BatchRunner::classify(const Flight& flight, QString* error) const
{
    const core::TaskSpec& spec = *m_tasks.value(flight.task);
    const QString dir = m_files.replicaDir(flight.task, flight.host);
    if (m_files.exact()) {
        const QString digest = ReplicaFiles::digest(dir, spec.outputs);
        if (digest.isEmpty())
            *error = QStringLiteral("cannot read the outputs in %1").arg(dir);
        return digest;
    }
    const QHash<QString, QString> votes = m_certifier.votes(flight.task);
    QSet<QString> classes;
    for (const QString& key : votes)
        if (key.startsWith(QLatin1String("rep:")))
            classes.insert(key);
    for (const QString& key : std::as_const(classes)) {
        const auto same = m_files.compare(m_files.replicaDir(flight.task, key.mid(4)), dir, spec.outputs);
        if (!same.error.isEmpty()) {
            *error = same.error;
            return {};
        }
        if (same.equivalent)
            return key;
    }
    return QStringLiteral("rep:") + flight.host;
}

// Makes the stored decision, results/ and the report match what the certifier says of the task now.
void BatchRunner::settle(const QString& task)
{
    const Certifier::State state = m_certifier.state(task);
    if (state == Certifier::State::Pending) {
        if (m_published.remove(task) > 0 || m_inDoubt.remove(task)) {
            m_store.reopen(task);
            m_files.withdraw(task);
            grant(task, {});
        }
        return;
    }
    const QString key = m_certifier.acceptedKey(task);
    if (state == Certifier::State::Certified && m_published.value(task) == key
        && QDir(m_files.resultDir(task)).exists())
        return;
    if (state == Certifier::State::InDoubt && m_inDoubt.contains(task))
        return;
    BatchStore::Decision decision { task, {}, key, m_certifier.acceptedHosts(task), m_certifier.reason(task) };
    QList<BatchStore::Credit> credits;
    if (state == Certifier::State::Certified) {
        QString error;
        if (!m_files.publish(task, decision.hosts.value(0), m_tasks.value(task)->outputs, &error)) {
            std::fprintf(
                stderr, "pvc-batch: %s is certified but cannot be written: %s\n", qPrintable(task), qPrintable(error));
            return;
        }
        decision.state = QStringLiteral("certified");
        credits = creditsFor(task);
    } else {
        m_files.withdraw(task);
        decision.state = QStringLiteral("in-doubt");
    }
    if (!m_store.decide(decision, credits))
        return;
    grant(task, credits);
    if (state == Certifier::State::Certified) {
        m_published.insert(task, key);
        m_inDoubt.remove(task);
    } else {
        m_inDoubt.insert(task);
    }
    writeReport(task);
}

// Every agreeing host is granted the same credit, from the median CPU time the agreeing replicas took, as
// BOINC grants one figure to a quorum rather than each host's claim.
QList<BatchStore::Credit> BatchRunner::creditsFor(const QString& task) const
{
    const QStringList hosts = m_certifier.acceptedHosts(task);
    QList<double> cpu;
    for (const QString& host : hosts)
        cpu.append(m_cpu.value(task + QLatin1Char('/') + host));
    std::sort(cpu.begin(), cpu.end());
    const double median = cpu.isEmpty() ? 0 : cpu.at(cpu.size() / 2);
    QList<BatchStore::Credit> credits;
    for (const QString& host : hosts)
        credits.append({ task, host, median, median * CreditPerCpuSecond });
    return credits;
}

void BatchRunner::grant(const QString& task, const QList<BatchStore::Credit>& credits)
{
    if (!m_ledger)
        return;
    QList<core::CreditLedger::Grant> grants;
    for (const BatchStore::Credit& credit : credits)
        grants.append({ credit.task, credit.host, credit.credit, credit.cpuSeconds });
    // Failing here loses nothing: batch.db has the grants, and the next start copies them all again.
    if (!m_ledger->setTaskGrants(m_batchId, task, grants))
        std::fprintf(stderr, "pvc-batch: cannot write %s's credit to the master's ledger\n", qPrintable(task));
}

void BatchRunner::block(const QString& host, const QString& why)
{
    if (!m_store.append({ BatchStore::Event::Kind::SpotFailed, {}, host, why, 0 }))
        std::fprintf(stderr, "pvc-batch: cannot journal the block of %s (disk full?)\n", qPrintable(host));
    work_queue_block_host(m_queue, host.toUtf8().constData());
    if (!m_options.blocklist.isEmpty()) {
        QFile file(m_options.blocklist);
        QDir().mkpath(QFileInfo(m_options.blocklist).absolutePath());
        if (file.open(QIODevice::Append))
            file.write(host.toUtf8() + '\n');
    }
    const QStringList reopened = m_certifier.spotCheckFailed(host);
    std::fprintf(stderr, "%spvc-batch: %s blocked: %s; %lld task(s) it helped certify are verified again\n",
        isatty(STDERR_FILENO) ? "\n" : "", qPrintable(host), qPrintable(why), qlonglong(reopened.size()));
    for (auto it = m_flights.begin(); it != m_flights.end();) {
        if (it->host != host) {
            ++it;
            continue;
        }
        if (struct work_queue_task* task = work_queue_cancel_by_taskid(m_queue, it.key()))
            work_queue_task_delete(task);
        if (!it->spotCheck)
            m_certifier.failed(it->task, host);
        it = m_flights.erase(it);
    }
    for (const QString& task : reopened)
        settle(task);
    // Its votes on undecided tasks are gone too: their decisions may change.
    for (const core::TaskSpec& task : std::as_const(m_spec.tasks))
        settle(task.id);
}

void BatchRunner::writeReport(const QString& task) const
{
    const QString key = m_certifier.acceptedKey(task);
    QJsonArray votes;
    const QHash<QString, QString> all = m_certifier.votes(task);
    QStringList hosts = all.keys();
    hosts.sort();
    for (const QString& host : hosts) {
        const QString vote = all.value(host);
        votes.append(QJsonObject { { QStringLiteral("host"), host },
            { QStringLiteral("result"), vote.isEmpty() ? QStringLiteral("failed") : vote },
            { QStringLiteral("agrees"), !vote.isEmpty() && vote == key },
            { QStringLiteral("blocked"), m_certifier.isBlocked(host) },
            { QStringLiteral("cpu_s"), m_cpu.value(task + QLatin1Char('/') + host) } });
    }
    QJsonArray credits;
    if (m_certifier.state(task) == Certifier::State::Certified)
        for (const BatchStore::Credit& credit : creditsFor(task))
            credits.append(
                QJsonObject { { QStringLiteral("host"), credit.host }, { QStringLiteral("credit"), credit.credit } });
    const bool certified = m_certifier.state(task) == Certifier::State::Certified;
    const QJsonObject report { { QStringLiteral("task"), task },
        { QStringLiteral("decision"), certified ? QStringLiteral("certified") : QStringLiteral("in-doubt") },
        { QStringLiteral("reason"), m_certifier.reason(task) }, { QStringLiteral("accepted"), key },
        { QStringLiteral("hosts"), QJsonArray::fromStringList(m_certifier.acceptedHosts(task)) },
        { QStringLiteral("votes"), votes }, { QStringLiteral("credits"), credits } };
    QDir().mkpath(m_files.resultDir(task));
    QSaveFile file(m_files.resultDir(task) + QStringLiteral("/report.json"));
    if (!file.open(QIODevice::WriteOnly) || file.write(QJsonDocument(report).toJson()) < 0 || !file.commit())
        std::fprintf(stderr, "pvc-batch: cannot write %s\n", qPrintable(file.fileName()));
}

} // namespace pvc::batch
