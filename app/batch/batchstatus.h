#pragma once

#include <QString>

namespace pvc::batch {

// `pvc-batch status DIR [--json]`: what a running or finished batch has decided, from its batch.db and
// progress.json, without touching the manager. Returns the exit code.
int printBatchStatus(const QString& dir, bool json);

} // namespace pvc::batch
