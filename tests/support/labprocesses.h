#pragma once

#include "labnetwork.h"

#include <QList>
#include <QPair>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <memory>

namespace pvc::test {

// The long-running processes of a lab grid (brokers, master, helpers, pvcds): each started in a node's namespace
// under a key, its output appended to <logDir>/<key>.log across restarts, found and stopped by key, and every one
// killed by its own PID, in reverse start order, on destruction. Also short processes run side by side.
class LabProcesses {
public:
    LabProcesses(LabNetwork& lab, const QString& logDir);
    ~LabProcesses();
    LabProcesses(const LabProcesses&) = delete;
    LabProcesses& operator=(const LabProcesses&) = delete;

    // Replaces a process under the same key; *error says why it did not start.
    QProcess* start(
        const QString& key, const QString& node, const QStringList& argv, const QString& asUser, QString* error);
    void stop(const QString& key);
    QProcess* process(const QString& key) const;
    // A process in the node's namespace that the caller owns, for short commands run side by side.
    std::unique_ptr<QProcess> launch(const QString& node, const QStringList& argv, const QString& asUser) const;

    QString log(const QString& key) const;
    QString logTail(const QString& key, int lines) const;
    QString logTails(int lines) const;
    // The PID of every process started, restarts included, for leak checks.
    QList<qint64> startedPids() const { return m_pids; }

private:
    QStringList wrap(const QString& node, const QString& asUser) const;

    LabNetwork& m_lab;
    QString m_logDir;
    QList<QPair<QString, QProcess*>> m_processes;
    QList<qint64> m_pids;
};

} // namespace pvc::test
