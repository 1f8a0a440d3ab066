#include "batch/certifier.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace pvc::core {

Certifier::Certifier(const CertificationSpec& spec)
    : m_spec(spec)
{
}

void Certifier::addTask(const QString& task)
{
    m_tasks.insert(task, Task {});
}

QHash<QString, int> Certifier::groups(const Task& task) const
{
    QHash<QString, int> count;
    for (auto it = task.votes.constBegin(); it != task.votes.constEnd(); ++it)
        ++count[it.value()];
    return count;
}

double Certifier::hostCredibility(const QString& host) const
{
    const double f = m_spec.saboteurFraction;
    if (m_blocked.contains(host))
        return 0;
    const int k = m_passed.value(host);
    return k == 0 ? 1 - f : 1 - f / ((1 - f) * k * std::numbers::e);
}

Certifier::Decision Certifier::decideByVotes(const QHash<QString, int>& groups, int results) const
{
    QString best;
    int bestVotes = 0, secondVotes = 0;
    for (auto it = groups.constBegin(); it != groups.constEnd(); ++it) {
        if (it.value() > bestVotes) {
            secondVotes = bestVotes;
            bestVotes = it.value();
            best = it.key();
        } else {
            secondVotes = std::max(secondVotes, it.value());
        }
    }
    if (bestVotes >= m_spec.quorum && bestVotes > secondVotes)
        return { State::Certified, best,
            QStringLiteral("%1 of %2 results agree (quorum %3)").arg(bestVotes).arg(results).arg(m_spec.quorum), 0 };
    if (results >= m_spec.maxReplicas)
        return { State::InDoubt, {},
            QStringLiteral("no result reached the quorum of %1 in %2 replicas").arg(m_spec.quorum).arg(results), 0 };
    return {};
}

// Sarmenta's result credibility: the chance that group a is right given every group's hosts, P(a good) times
// P(every other group bad), over the chance of the outcome (one group good and the rest bad, or all bad).
Certifier::Decision Certifier::decideByCredibility(
    const Task& task, const QHash<QString, int>& groups, int results) const
{
    QHash<QString, double> good, bad;
    for (auto it = task.votes.constBegin(); it != task.votes.constEnd(); ++it) {
        const double credibility = hostCredibility(it.key());
        good[it.value()] = good.value(it.value(), 1.0) * credibility;
        bad[it.value()] = bad.value(it.value(), 1.0) * (1 - credibility);
    }
    double allBad = 1;
    for (const double p : std::as_const(bad))
        allBad *= p;
    double outcome = allBad;
    QHash<QString, double> onlyThisGood;
    for (auto it = good.constBegin(); it != good.constEnd(); ++it) {
        const double others = bad.value(it.key()) > 0 ? allBad / bad.value(it.key()) : 0;
        onlyThisGood[it.key()] = it.value() * others;
        outcome += onlyThisGood[it.key()];
    }
    QString best;
    double bestCredibility = 0;
    for (auto it = onlyThisGood.constBegin(); it != onlyThisGood.constEnd(); ++it)
        if (outcome > 0 && it.value() / outcome > bestCredibility) {
            bestCredibility = it.value() / outcome;
            best = it.key();
        }
    if (!best.isEmpty() && bestCredibility >= 1 - m_spec.targetError)
        return { State::Certified, best,
            QStringLiteral("credibility %1 from %2 of %3 results (target %4)")
                .arg(bestCredibility, 0, 'f', 5)
                .arg(groups.value(best))
                .arg(results)
                .arg(1 - m_spec.targetError),
            bestCredibility };
    if (results >= m_spec.maxReplicas) {
        Decision majority = decideByVotes(groups, results);
        if (majority.state == State::Certified)
            majority.reason += QStringLiteral(", credibility %1 below the target").arg(bestCredibility, 0, 'f', 5);
        return majority;
    }
    return { State::Pending, {}, {}, bestCredibility };
}

Certifier::Decision Certifier::decide(const Task& task) const
{
    const QHash<QString, int> count = groups(task);
    const int results = int(task.votes.size());
    if (m_spec.mode == CertificationSpec::Mode::None) {
        if (results == 0)
            return {};
        return { State::Certified, task.votes.constBegin().value(), QStringLiteral("one result, no certification"), 0 };
    }
    if (m_spec.mode == CertificationSpec::Mode::Credibility)
        return decideByCredibility(task, count, results);
    return decideByVotes(count, results);
}

namespace {
// Replicas that failed before the task is given up (in doubt): hosts that crash or lose their outputs.
int maxFailures(const CertificationSpec& spec)
{
    return 2 * spec.maxReplicas + 2;
}
} // namespace

Certifier::State Certifier::state(const QString& task) const
{
    const auto it = m_tasks.constFind(task);
    if (it == m_tasks.constEnd())
        return State::Pending;
    const State decided = decide(*it).state;
    if (decided == State::Pending && it->flying.isEmpty()
        && (it->failedHosts.size() >= maxFailures(m_spec) || !it->exhausted.isEmpty()))
        return State::InDoubt;
    return decided;
}

QString Certifier::reason(const QString& task) const
{
    const auto it = m_tasks.constFind(task);
    if (it == m_tasks.constEnd())
        return {};
    const Decision decision = decide(*it);
    if (decision.state == State::Pending && state(task) == State::InDoubt)
        return it->exhausted.isEmpty() ? QStringLiteral("%1 replicas failed").arg(it->failedHosts.size())
                                       : it->exhausted;
    return decision.reason;
}

QString Certifier::acceptedKey(const QString& task) const
{
    const auto it = m_tasks.constFind(task);
    return it == m_tasks.constEnd() ? QString() : decide(*it).key;
}

QStringList Certifier::acceptedHosts(const QString& task) const
{
    const QString key = acceptedKey(task);
    QStringList hosts;
    if (key.isEmpty())
        return hosts;
    const Task& t = m_tasks[task];
    for (auto it = t.votes.constBegin(); it != t.votes.constEnd(); ++it)
        if (it.value() == key)
            hosts.append(it.key());
    hosts.sort();
    return hosts;
}

QHash<QString, QString> Certifier::votes(const QString& task) const
{
    QHash<QString, QString> all = m_tasks.value(task).votes;
    for (const QString& host : m_tasks.value(task).failedHosts)
        all.insert(host, QString());
    return all;
}

int Certifier::inFlight(const QString& task) const
{
    return int(m_tasks.value(task).flying.size());
}

int Certifier::replicasWanted(const QString& task) const
{
    const auto it = m_tasks.constFind(task);
    if (it == m_tasks.constEnd() || state(task) != State::Pending)
        return 0;
    const int flying = int(it->flying.size());
    const int results = int(it->votes.size());
    if (m_spec.mode == CertificationSpec::Mode::Credibility)
        return flying == 0 && results < m_spec.maxReplicas ? 1 : 0;
    const int quorum = m_spec.mode == CertificationSpec::Mode::None ? 1 : m_spec.quorum;
    const int most = m_spec.mode == CertificationSpec::Mode::None ? 1 : m_spec.maxReplicas;
    int best = 0;
    for (const int votes : groups(*it))
        best = std::max(best, votes);
    return std::max(0, std::min(quorum - best - flying, most - results - flying));
}

QSet<QString> Certifier::hostsUsed(const QString& task) const
{
    const Task& t = m_tasks[task];
    QSet<QString> used = t.flying + t.failedHosts;
    for (auto it = t.votes.constBegin(); it != t.votes.constEnd(); ++it)
        used.insert(it.key());
    return used;
}

bool Certifier::takeSpotCheckTurn(const QString& host)
{
    if (m_spec.spotCheckEvery <= 0)
        return false;
    // With spotCheckFirst, the turns are the 1st, (k+1)th, (2k+1)th... task of the host; without, the k-th, 2k-th...
    const int given = m_given[host]++;
    return (m_spec.spotCheckFirst ? given : given + 1) % m_spec.spotCheckEvery == 0;
}

void Certifier::dispatched(const QString& task, const QString& host)
{
    m_tasks[task].flying.insert(host);
}

void Certifier::resulted(const QString& task, const QString& host, const QString& key)
{
    Task& t = m_tasks[task];
    t.flying.remove(host);
    if (!m_blocked.contains(host))
        t.votes.insert(host, key);
}

void Certifier::failed(const QString& task, const QString& host)
{
    Task& t = m_tasks[task];
    t.flying.remove(host);
    t.failedHosts.insert(host);
}

void Certifier::exhausted(const QString& task, const QString& why)
{
    if (m_tasks.contains(task))
        m_tasks[task].exhausted = why;
}

void Certifier::forgotten(const QString& task, const QString& host)
{
    m_tasks[task].flying.remove(host);
}

void Certifier::spotCheckPassed(const QString& host)
{
    if (!m_blocked.contains(host))
        ++m_passed[host];
}

QStringList Certifier::spotCheckFailed(const QString& host)
{
    QStringList reopened;
    if (m_blocked.contains(host))
        return reopened;
    QStringList certified;
    for (auto it = m_tasks.constBegin(); it != m_tasks.constEnd(); ++it)
        if (it->votes.contains(host) && decide(*it).state == State::Certified)
            certified.append(it.key());
    m_blocked.insert(host);
    m_passed.remove(host);
    // Its votes are worth nothing: withdrawn everywhere. The host stays used for those tasks.
    for (auto it = m_tasks.begin(); it != m_tasks.end(); ++it)
        if (it->votes.remove(host) > 0)
            it->failedHosts.insert(host);
    for (const QString& task : std::as_const(certified))
        if (state(task) == State::Pending)
            reopened.append(task);
    reopened.sort();
    return reopened;
}

QStringList Certifier::blockedHosts() const
{
    QStringList hosts(m_blocked.begin(), m_blocked.end());
    hosts.sort();
    return hosts;
}

} // namespace pvc::core
