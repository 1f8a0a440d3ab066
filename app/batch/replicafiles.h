#pragma once

#include <QString>
#include <QStringList>
#include <optional>

namespace pvc::batch {

// What pvc-batch does with the files a replica brings back (docs/batch.md, "Comparing results"): under the
// batch folder, replicas/<task>/<host>/ holds them; results/<task>/ the certified ones and report.json.
class ReplicaFiles {
public:
    ReplicaFiles(const QString& batchDir, const QStringList& comparator);

    QString replicaDir(const QString& task, const QString& host) const;
    QString resultDir(const QString& task) const;

    // Every output is there and readable; else the missing one's name.
    std::optional<QString> missingOutput(const QString& dir, const QStringList& outputs) const;
    // SHA-256 over the outputs in order (name, size and bytes of each), hex; empty if one cannot be read.
    static QString digest(const QString& dir, const QStringList& outputs);

    struct Comparison {
        bool equivalent = false;
        QString error; // the comparator crashed, hung or said neither yes nor no
    };
    // With no comparator, byte for byte; else `comparator A B` for each output, exit 0 equivalent, 1 not.
    Comparison compare(const QString& dirA, const QString& dirB, const QStringList& outputs) const;
    Comparison compareFiles(const QString& a, const QString& b) const;
    bool exact() const { return m_comparator.isEmpty(); }

    // Copies the replica's outputs into results/<task>/ (replacing what was there), atomically per file.
    bool publish(const QString& task, const QString& host, const QStringList& outputs, QString* error) const;
    // Removes results/<task>/ (a task opened again).
    void withdraw(const QString& task) const;

    static constexpr int ComparatorTimeoutMs = 60000;

private:
    QString m_dir;
    QStringList m_comparator;
};

} // namespace pvc::batch
