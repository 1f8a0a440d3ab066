#pragma once

// DataSession's state, shared by its two source files only (libtorrent's headers stay out of datasession.h).
#include "data/datasession.h"

#include <QFile>
#include <QHash>
#include <QSet>
#include <QString>
#include <functional>
#include <libtorrent/session.hpp>
#include <libtorrent/torrent_handle.hpp>
#include <libtorrent/torrent_status.hpp>
#include <memory>

namespace pvc::core {

struct DataSession::Private {
    std::unique_ptr<lt::session> session;
    QHash<QString, lt::torrent_handle> torrents; // by v1 info-hash, hex; invalid while being added
    QHash<QString, lt::torrent_status> status; // the latest state_update_alert for each
    QHash<QString, QString> errors; // "code: detail" of a transfer's last error
    bool listening = false;
    QString listenError;
    qint64 hashFailures = 0;
    QSet<QString> banned; // addresses of peers banned for corrupt data
    QHash<QString, qint64> lastUsed; // msecs since the epoch, by info-hash
    qint64 cacheLimit = 0;
    bool seeding = true; // whether fetched data is served once complete (published data always is)
    // Publications whose torrent libtorrent has not confirmed yet: answered on its add_torrent_alert, so
    // that nobody is given a reference before this host serves it.
    QHash<QString, std::function<void(const QString& error)>> pendingPublications;
};

inline QString hexOf(const lt::sha1_hash& hash)
{
    return QString::fromLatin1(QByteArray(reinterpret_cast<const char*>(hash.data()), int(hash.size())).toHex());
}

// Whether a transfer's data was fetched into the cache directory (rather than published from where the
// publisher keeps it): only fetched data counts against the cache's cap and may stop being served.
inline bool isFetched(const lt::torrent_status& status, const QString& cacheDirectory)
{
    const std::string cache = QFile::encodeName(cacheDirectory + QLatin1Char('/')).toStdString();
    return status.save_path.rfind(cache, 0) == 0;
}

} // namespace pvc::core
