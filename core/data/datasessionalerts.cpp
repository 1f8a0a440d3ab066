// DataSession's side of libtorrent's alerts: what its threads report, taken up on pvcd's event loop.
#include "common/logging.h"
#include "data/datasession.h"
#include "data/datasessionprivate.h"

#include <QDir>
#include <QSaveFile>
#include <cerrno>
#include <libtorrent/alert_types.hpp>
#include <libtorrent/torrent_info.hpp>
#include <libtorrent/write_resume_data.hpp>

namespace pvc::core {

namespace {
void writeResume(const QString& path, const lt::add_torrent_params& params)
{
    const std::vector<char> bytes = lt::write_resume_data_buf(params);
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes.data(), qint64(bytes.size())) != qint64(bytes.size())
        || !file.commit())
        qCWarning(lcData) << "cannot write resume data" << path << file.errorString();
}
} // namespace

void DataSession::takeStatus(const std::vector<lt::torrent_status>& statuses)
{
    // An update queued before a removal must not bring the removed transfer back into the cache's count.
    for (const lt::torrent_status& status : statuses)
        if (d->torrents.contains(hexOf(status.info_hashes.v1)))
            d->status.insert(hexOf(status.info_hashes.v1), status);
    if (!d->seeding)
        applySeeding(); // a transfer that just completed stops here
}

void DataSession::pumpAlerts()
{
    if (!d->session)
        return;
    d->session->post_torrent_updates();
    std::vector<lt::alert*> alerts;
    d->session->pop_alerts(&alerts);
    for (lt::alert* alert : alerts) {
        if (const auto* added = lt::alert_cast<lt::add_torrent_alert>(alert)) {
            const lt::sha1_hash v1 = added->handle.is_valid() ? added->handle.info_hashes().v1
                : added->params.ti                            ? added->params.ti->info_hashes().v1
                                                              : added->params.info_hashes.v1;
            const QString hex = hexOf(v1);
            QString error;
            if (added->error)
                error = QStringLiteral("data.add_failed: ") + QString::fromStdString(added->error.message());
            if (!error.isEmpty())
                d->errors.insert(hex, error);
            else
                d->torrents.insert(hex, added->handle);
            if (const auto publication = d->pendingPublications.take(hex))
                publication(error);
        } else if (const auto* update = lt::alert_cast<lt::state_update_alert>(alert)) {
            takeStatus(update->status);
        } else if (const auto* finished = lt::alert_cast<lt::torrent_finished_alert>(alert)) {
            const QString hex = hexOf(finished->handle.info_hashes().v1);
            finished->handle.save_resume_data(lt::torrent_handle::save_info_dict);
            qCInfo(lcData) << "complete:" << hex;
            Q_EMIT transferFinished(hex);
        } else if (const auto* resume = lt::alert_cast<lt::save_resume_data_alert>(alert)) {
            writeResume(
                m_cacheDirectory + QLatin1Char('/') + hexOf(resume->params.info_hashes.v1) + QStringLiteral(".resume"),
                resume->params);
        } else if (const auto* file = lt::alert_cast<lt::file_error_alert>(alert)) {
            const QString code
                = file->error.value() == ENOSPC ? QStringLiteral("data.disk_full") : QStringLiteral("data.file_error");
            d->errors.insert(hexOf(file->handle.info_hashes().v1),
                code + QStringLiteral(": ") + QString::fromStdString(file->error.message()));
            qCWarning(lcData) << code << QString::fromStdString(file->message());
        } else if (const auto* deleted = lt::alert_cast<lt::torrent_deleted_alert>(alert)) {
            QDir(m_cacheDirectory).rmdir(hexOf(deleted->info_hashes.v1)); // the files are gone: now their folder
        } else if (lt::alert_cast<lt::hash_failed_alert>(alert)) {
            ++d->hashFailures;
        } else if (const auto* ban = lt::alert_cast<lt::peer_ban_alert>(alert)) {
            d->banned.insert(QString::fromStdString(ban->endpoint.address().to_string()));
            qCWarning(lcData) << "banned a peer that sent corrupt data:" << QString::fromStdString(ban->message());
        } else if (lt::alert_cast<lt::listen_succeeded_alert>(alert)) {
            d->listening = true;
        } else if (const auto* listen = lt::alert_cast<lt::listen_failed_alert>(alert)) {
            d->listening = false;
            d->listenError = QString::fromStdString(listen->message());
            qCWarning(lcData) << "cannot listen:" << d->listenError;
        } else if (const auto* error = lt::alert_cast<lt::torrent_error_alert>(alert)) {
            d->errors.insert(hexOf(error->handle.info_hashes().v1),
                QStringLiteral("data.torrent_error: ") + QString::fromStdString(error->message()));
        }
    }
}

} // namespace pvc::core
