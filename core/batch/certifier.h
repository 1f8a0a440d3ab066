#pragma once

#include "batch/batchspec.h"

#include <QHash>
#include <QList>
#include <QSet>
#include <QString>
#include <QStringList>

namespace pvc::core {

// Result certification for one batch (docs/batch.md), a pure state machine: pvc-batch tells it what was
// dispatched and what came back, and asks what to run next and what is decided. No I/O and no clock, so
// that the batch's store can rebuild it after a restart by replaying the same calls.
//
// - Voting: a task is replicated on `quorum` (m+1) distinct hosts; on disagreement, up to `maxReplicas`
//   (2m+1). It is certified once one result has `quorum` votes and more than any other; in doubt once every
//   replica is back without that.
// - Credibility (Sarmenta 2002, "Sabotage-tolerance mechanisms for volunteer computing systems"): a host that
//   passed k spot-checks has credibility 1 - f/((1-f) k e), an unproven one 1 - f; a result's credibility is
//   the probability that its group of agreeing hosts is the right one given every group's hosts; replicas are
//   added one at a time until a result reaches 1 - targetError (or a majority of maxReplicas).
// - Spot-checks: every k-th task a host is given is a known-answer task. A wrong answer blocks the host for
//   good: its votes are withdrawn everywhere, and tasks it helped certify are opened again.
class Certifier {
public:
    enum class State { Pending, Certified, InDoubt };

    explicit Certifier(const CertificationSpec& spec);

    void addTask(const QString& task);
    bool contains(const QString& task) const { return m_tasks.contains(task); }

    // Replicas the task needs now, beyond those in flight (0 once decided).
    int replicasWanted(const QString& task) const;
    // Hosts that may not run another replica of the task: they ran one, or run one now.
    QSet<QString> hostsUsed(const QString& task) const;
    // Whether the next task given to `host` should be a known-answer one; counts the task given. The first task of
    // a host is one (unless spotCheckFirst is off), then every k-th.
    bool takeSpotCheckTurn(const QString& host);

    void dispatched(const QString& task, const QString& host);
    // The replica ran and produced outputs whose comparison class is `key` (their digest, or the comparator's
    // representative).
    void resulted(const QString& task, const QString& host, const QString& key);
    // The replica failed (no outputs, a crash, lost): the host may not be asked for this task again.
    void failed(const QString& task, const QString& host);
    // No host is left to run another replica (every one was used or is blocked): pending becomes in doubt.
    void exhausted(const QString& task, const QString& why);
    // A replica in flight that will not come back (pvc-batch restarted): it may be dispatched again.
    void forgotten(const QString& task, const QString& host);

    void spotCheckPassed(const QString& host);
    // Blocks the host; returns the tasks it helped certify, now pending again.
    QStringList spotCheckFailed(const QString& host);
    bool isBlocked(const QString& host) const { return m_blocked.contains(host); }
    QStringList blockedHosts() const;
    int spotChecksPassed(const QString& host) const { return m_passed.value(host); }
    double hostCredibility(const QString& host) const;

    State state(const QString& task) const;
    // Once certified: the accepted key, the hosts that returned it, and why (also for tasks in doubt).
    QString acceptedKey(const QString& task) const;
    QStringList acceptedHosts(const QString& task) const;
    QString reason(const QString& task) const;
    // Every vote of a task: host -> key ("" for a failure).
    QHash<QString, QString> votes(const QString& task) const;
    int inFlight(const QString& task) const;

private:
    struct Task {
        QHash<QString, QString> votes; // host -> key
        QSet<QString> failedHosts;
        QSet<QString> flying;
        QString exhausted; // why no replica can be run any more
    };
    struct Decision {
        State state = State::Pending;
        QString key;
        QString reason;
        double credibility = 0;
    };
    Decision decide(const Task& task) const;
    Decision decideByVotes(const QHash<QString, int>& groups, int results) const;
    Decision decideByCredibility(const Task& task, const QHash<QString, int>& groups, int results) const;
    QHash<QString, int> groups(const Task& task) const;

    CertificationSpec m_spec;
    QHash<QString, Task> m_tasks;
    QHash<QString, int> m_passed; // spot-checks passed, by host
    QHash<QString, int> m_given; // tasks given, by host, for the spot-check turns
    QSet<QString> m_blocked;
};

} // namespace pvc::core
