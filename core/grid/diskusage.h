#pragma once

#include <QString>
#include <optional>

namespace pvc::core {

// The disk space the files under a directory take (their allocated blocks, so a sparse file counts for
// what it holds, not for its length), symbolic links not followed. nullopt when the directory holds more
// than maxEntries entries, so that a task cannot make the walk itself costly.
std::optional<qint64> directoryBytes(const QString& path, int maxEntries);

} // namespace pvc::core
