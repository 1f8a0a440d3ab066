#pragma once

#include "common/result.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

namespace pvc::core {

// How a batch's results are certified (docs/batch.md, "Certification").
struct CertificationSpec {
    enum class Mode { None, Voting, Credibility };
    Mode mode = Mode::Voting;
    int quorum = 2; // m+1: agreeing results that accept a task at first
    int maxReplicas = 3; // 2m+1: replicas at most, on distinct hosts, once results disagree
    int spotCheckEvery = 0; // k: one known-answer task per k tasks given to a host; 0: none
    bool spotCheckFirst = true; // a host's first task is a known-answer one (then every k-th)
    double targetError = 0.01; // credibility: accept once a result's credibility reaches 1 - targetError
    double saboteurFraction = 0.1; // credibility: the fraction f of saboteurs assumed (Sarmenta)
    QStringList comparator; // empty: outputs must be byte for byte equal; else argv run as `argv A B`
};

// One input of a task: a file on the master (`path`, sent by Work Queue) or a pvc-data reference (`data`,
// fetched by BitTorrent on the worker), in the task's directory as `name`.
struct TaskInput {
    QString path; // absolute, after resolving against the batch file's folder
    QString data; // "pvc-data:..."
    QString name;
};

struct TaskSpec {
    QString id;
    QString command;
    QList<TaskInput> inputs;
    QStringList outputs; // plain file names in the task's directory
    int cores = 1;
    int memoryMb = 0; // 0: Work Queue's default
    QHash<QString, QString> expected; // spot-checks only: output name -> file with the known answer
};

// A batch description (docs/batch.md): JSON, format "pvc-batch-1". Parsing checks everything before
// anything is submitted, and names the field at fault: "tasks[3].outputs[0]: not a plain file name".
struct BatchSpec {
    static constexpr qint64 MaxBytes = 16 * 1024 * 1024;
    static constexpr int MaxTasks = 100000;
    static constexpr int MaxCommandBytes = 8192;
    static constexpr int MaxFiles = 64;
    static constexpr int MaxReplicas = 15;

    QString name;
    CertificationSpec certification;
    QList<TaskSpec> tasks;
    QList<TaskSpec> spotChecks; // known-answer tasks, with `expected`

    // baseDir resolves relative input paths and expected files; they must exist and be readable.
    // Errors: batch.bad_description with "FIELD: why" as the detail.
    static Result<BatchSpec> parse(const QByteArray& json, const QString& baseDir);
    static Result<BatchSpec> load(const QString& path);
};

} // namespace pvc::core
