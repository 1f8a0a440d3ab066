#include "grid/diskusage.h"

#include <QDirIterator>
#include <sys/stat.h>

namespace pvc::core {

std::optional<qint64> directoryBytes(const QString& path, int maxEntries)
{
    qint64 bytes = 0;
    int entries = 0;
    QDirIterator it(
        path, QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        if (++entries > maxEntries)
            return std::nullopt;
        struct stat info { };
        if (::lstat(QFile::encodeName(it.next()).constData(), &info) == 0)
            bytes += qint64(info.st_blocks) * 512;
    }
    return bytes;
}

} // namespace pvc::core
