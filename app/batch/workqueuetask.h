#pragma once

#include "batch/batchspec.h"

#include <QString>

struct work_queue_task;

namespace pvc::batch {

// A replica of a task as a Work Queue task (libwork_queue), pinned to one host by its worker's
// `pvc-host-NAME` feature. Inputs from the master are sent and cached on the worker; pvc-data inputs are
// fetched there through the sandbox's data socket and linked into the task's directory under their name
// (docs/batch.md); outputs come back into outputDir.
struct work_queue_task* makeWorkQueueTask(
    const core::TaskSpec& task, const QString& host, const QString& outputDir, const QString& tag);

// The shell command a replica runs: the data inputs' fetch and link, then the task's own command.
QString replicaCommand(const core::TaskSpec& task);

} // namespace pvc::batch
