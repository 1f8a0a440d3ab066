// DataSession's cache: fetched data lives under the cache directory until the owner's cap needs the
// room; then the least recently used goes first, files and resume data together.
#include "common/logging.h"
#include "data/datasession.h"
#include "data/datasessionprivate.h"

#include <QDateTime>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <algorithm>

namespace pvc::core {

namespace {
constexpr qint64 MaxLastUsedBytes = 4 * 1024 * 1024;
QString lastUsedPath(const QString& cacheDirectory)
{
    return cacheDirectory + QStringLiteral("/last-used.json");
}
} // namespace

void DataSession::touch(const DataRef& ref)
{
    d->lastUsed.insert(ref.infoHashHex(), QDateTime::currentMSecsSinceEpoch());
    // Kept across restarts, so that the order survives them.
    QJsonObject object;
    for (auto it = d->lastUsed.constBegin(); it != d->lastUsed.constEnd(); ++it)
        object.insert(it.key(), it.value());
    QSaveFile file(lastUsedPath(m_cacheDirectory));
    if (!file.open(QIODevice::WriteOnly) || file.write(QJsonDocument(object).toJson(QJsonDocument::Compact)) < 0
        || !file.commit())
        qCWarning(lcData) << "cannot keep the cache's order in" << file.fileName();
}

void DataSession::loadLastUsed()
{
    QFile file(lastUsedPath(m_cacheDirectory));
    if (!file.open(QIODevice::ReadOnly) || file.size() > MaxLastUsedBytes)
        return;
    const QJsonObject object = QJsonDocument::fromJson(file.readAll()).object();
    for (auto it = object.constBegin(); it != object.constEnd(); ++it)
        if (it.key().size() == 40)
            d->lastUsed.insert(it.key(), it.value().toInteger());
}

void DataSession::enforceCacheLimit()
{
    if (!d->session || d->cacheLimit <= 0)
        return;
    // Only what was fetched into the cache counts (published data stays where the publisher keeps it).
    QList<QPair<qint64, QString>> candidates; // last use, info-hash
    qint64 used = 0;
    for (auto it = d->status.constBegin(); it != d->status.constEnd(); ++it) {
        if (!isFetched(*it, m_cacheDirectory) || !d->torrents.value(it.key()).is_valid())
            continue;
        used += it->total_wanted_done;
        // A transfer under way is never evicted (a task is waiting for it), nor data a task asked for in the last
        // InUseMs (it may be reading it): the cap may be passed for that long.
        const qint64 lastUse = d->lastUsed.value(it.key(), 0);
        if ((it->is_finished || it->is_seeding) && QDateTime::currentMSecsSinceEpoch() - lastUse > InUseMs)
            candidates.append({ lastUse, it.key() });
    }
    std::sort(candidates.begin(), candidates.end());
    for (const auto& [lastUse, hex] : std::as_const(candidates)) {
        if (used <= d->cacheLimit)
            break;
        const lt::torrent_handle handle = d->torrents.value(hex);
        if (!handle.is_valid())
            continue;
        used -= d->status.value(hex).total_wanted_done;
        qCInfo(lcData) << "cache over" << d->cacheLimit / 1000000 << "MB: removing" << hex << "(least recently used)";
        d->session->remove_torrent(handle, lt::session_handle::delete_files);
        QFile::remove(m_cacheDirectory + QLatin1Char('/') + hex + QStringLiteral(".resume"));
        d->torrents.remove(hex);
        d->status.remove(hex);
        d->lastUsed.remove(hex);
    }
}

} // namespace pvc::core
