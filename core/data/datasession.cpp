#include "data/datasession.h"

#include "common/logging.h"
#include "data/datasessionprivate.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QPointer>
#include <QSaveFile>
#include <QTimer>
#include <libtorrent/add_torrent_params.hpp>
#include <libtorrent/alert_types.hpp>
#include <libtorrent/bencode.hpp>
#include <libtorrent/create_torrent.hpp>
#include <libtorrent/read_resume_data.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/session_params.hpp>
#include <libtorrent/settings_pack.hpp>
#include <libtorrent/torrent_handle.hpp>
#include <libtorrent/torrent_info.hpp>
#include <libtorrent/torrent_status.hpp>
#include <libtorrent/write_resume_data.hpp>
#include <thread>

namespace pvc::core {

namespace {
constexpr qint64 MaxResumeBytes = 16 * 1024 * 1024;
const QString ResumeSuffix = QStringLiteral(".resume");

QString stateName(const lt::torrent_status& status)
{
    if (status.flags & lt::torrent_flags::paused)
        return QStringLiteral("paused");
    if (!status.errc.failed() && status.is_seeding)
        return QStringLiteral("seeding");
    switch (status.state) {
    case lt::torrent_status::checking_files:
    case lt::torrent_status::checking_resume_data:
        return QStringLiteral("checking");
    case lt::torrent_status::downloading_metadata:
        return QStringLiteral("finding");
    case lt::torrent_status::downloading:
        return QStringLiteral("downloading");
    case lt::torrent_status::finished:
    case lt::torrent_status::seeding:
        return QStringLiteral("seeding");
    default: // states libtorrent 2.0 no longer enters
        break;
    }
    return QStringLiteral("downloading");
}

lt::settings_pack overlayOnly(const QHostAddress& address, quint16 port)
{
    lt::settings_pack pack;
    const std::string ip = address.toString().toStdString();
    pack.set_str(lt::settings_pack::listen_interfaces, ip + ':' + std::to_string(port));
    pack.set_str(lt::settings_pack::outgoing_interfaces, ip);
    for (const auto off : { lt::settings_pack::enable_dht, lt::settings_pack::enable_lsd,
             lt::settings_pack::enable_upnp, lt::settings_pack::enable_natpmp, lt::settings_pack::enable_outgoing_utp,
             lt::settings_pack::enable_incoming_utp })
        pack.set_bool(off, false);
    pack.set_str(lt::settings_pack::user_agent, "pvc/" PVC_VERSION);
    pack.set_int(lt::settings_pack::alert_mask,
        int(lt::alert_category::status | lt::alert_category::error | lt::alert_category::storage
            | lt::alert_category::peer));
    // A peer that refused (not serving the torrent yet, a tunnel still being punched) is tried again soon.
    pack.set_int(lt::settings_pack::min_reconnect_time, 5);
    // Members share a /16 of class E addresses: no per-IP or local-network special cases.
    pack.set_bool(lt::settings_pack::allow_multiple_connections_per_ip, true);
    // Every complete data set in the cache is served, not only the first few (the queue's default is 5).
    pack.set_int(lt::settings_pack::active_seeds, -1);
    pack.set_int(lt::settings_pack::active_limit, -1);
    return pack;
}
} // namespace

DataSession::DataSession(const QString& cacheDirectory, QObject* parent)
    : QObject(parent)
    , d(std::make_unique<Private>())
    , m_cacheDirectory(cacheDirectory)
    , m_alerts(new QTimer(this))
    , m_resume(new QTimer(this))
{
    m_alerts->setInterval(AlertIntervalMs);
    connect(m_alerts, &QTimer::timeout, this, &DataSession::pumpAlerts);
    m_resume->setInterval(ResumeSaveIntervalMs);
    connect(m_resume, &QTimer::timeout, this, [this] {
        saveResumeData();
        enforceCacheLimit();
    });
}

DataSession::~DataSession()
{
    stop();
}

bool DataSession::isRunning() const
{
    return d->session != nullptr;
}

Result<bool> DataSession::start(const QHostAddress& address, quint16 port)
{
    stop();
    if (!QDir().mkpath(m_cacheDirectory))
        return makeError("data.listen_failed", QStringLiteral("cannot make %1").arg(m_cacheDirectory));
    d->session = std::make_unique<lt::session>(lt::session_params(overlayOnly(address, port)));
    loadLastUsed();
    // Downloads under way when pvcd stopped go on from the pieces they had.
    const QStringList resumes = QDir(m_cacheDirectory).entryList({ QLatin1Char('*') + ResumeSuffix }, QDir::Files);
    for (const QString& name : resumes) {
        QFile file(m_cacheDirectory + QLatin1Char('/') + name);
        if (!file.open(QIODevice::ReadOnly) || file.size() > MaxResumeBytes)
            continue;
        const QByteArray bytes = file.readAll();
        lt::error_code error;
        lt::add_torrent_params params = lt::read_resume_data({ bytes.constData(), int(bytes.size()) }, error);
        if (error) {
            qCWarning(lcData) << "unusable resume data" << name << QString::fromStdString(error.message());
            continue;
        }
        d->session->async_add_torrent(std::move(params));
    }
    m_alerts->start();
    m_resume->start();
    qCInfo(lcData) << "BitTorrent session on" << address.toString() << "port" << port << "resuming" << resumes.size();
    return true;
}

void DataSession::stop()
{
    if (!d->session)
        return;
    m_alerts->stop();
    m_resume->stop();
    saveResumeData();
    pumpAlerts();
    d->session.reset(); // waits for libtorrent's threads
    d->torrents.clear();
    d->status.clear();
    d->listening = false;
}

void DataSession::setLimits(const Limits& limits)
{
    if (!d->session)
        return;
    lt::settings_pack pack;
    pack.set_int(lt::settings_pack::upload_rate_limit, limits.uploadKiBps * 1024);
    pack.set_int(lt::settings_pack::download_rate_limit, limits.downloadKiBps * 1024);
    d->session->apply_settings(std::move(pack));
    d->cacheLimit = limits.cacheBytes;
    enforceCacheLimit();
}

void DataSession::setSeeding(bool allowed)
{
    if (d->seeding == allowed)
        return;
    d->seeding = allowed;
    qCInfo(lcData) << (allowed ? "serving fetched data again" : "no longer serving fetched data");
    applySeeding();
}

void DataSession::applySeeding()
{
    for (auto it = d->status.constBegin(); it != d->status.constEnd(); ++it) {
        const lt::torrent_handle handle = d->torrents.value(it.key());
        if (!handle.is_valid() || !isFetched(*it, m_cacheDirectory) || !(it->is_finished || it->is_seeding))
            continue;
        const bool paused = bool(it->flags & lt::torrent_flags::paused);
        if (!d->seeding && !paused) {
            handle.unset_flags(lt::torrent_flags::auto_managed);
            handle.pause();
        } else if (d->seeding && paused) {
            handle.set_flags(lt::torrent_flags::auto_managed);
            handle.resume();
        }
    }
}

void DataSession::publish(const QString& path, const QString& publisher, PublishDone done)
{
    const QFileInfo info(path);
    if (!d->session)
        return done(makeError("data.not_running", QStringLiteral("pvcd's BitTorrent session is not running")));
    if (!info.exists() || !DataRef::isFileName(info.fileName()))
        return done(
            makeError("data.bad_path", QStringLiteral("%1 is not a file or directory with a plain name").arg(path)));
    const std::string target = QFile::encodeName(info.absoluteFilePath()).toStdString();
    const std::string parent = QFile::encodeName(info.absolutePath()).toStdString();
    QPointer<DataSession> self(this);
    std::thread([self, target, parent, publisher, done] {
        lt::file_storage files;
        lt::add_files(files, target);
        std::vector<char> torrent;
        lt::error_code error;
        if (files.num_files() > 0) {
            lt::create_torrent creator(files); // hybrid: v1 and v2 hashes
            lt::set_piece_hashes(creator, parent, error);
            if (!error)
                lt::bencode(std::back_inserter(torrent), creator.generate());
        }
        QMetaObject::invokeMethod(qApp, [self, torrent, parent, publisher, done, error] {
            if (!self || !self->d->session)
                return done(makeError("data.not_running", QStringLiteral("pvcd's BitTorrent session stopped")));
            if (error || torrent.empty())
                return done(makeError("data.bad_path",
                    QStringLiteral("cannot hash it: %1")
                        .arg(QString::fromStdString(error ? error.message() : "no file"))));
            lt::error_code parseError;
            auto info = std::make_shared<lt::torrent_info>(torrent, parseError, lt::from_span);
            if (parseError)
                return done(makeError("data.bad_path", QString::fromStdString(parseError.message())));
            DataRef ref;
            const lt::sha1_hash v1 = info->info_hashes().v1;
            ref.infoHash = QByteArray(reinterpret_cast<const char*>(v1.data()), int(v1.size()));
            ref.name = QString::fromStdString(info->name());
            ref.publisher = publisher;
            lt::add_torrent_params params;
            params.ti = info;
            params.save_path = parent;
            params.flags |= lt::torrent_flags::seed_mode; // just hashed: no need to check again
            self->d->pendingPublications.insert(ref.infoHashHex(), [ref, done](const QString& error) {
                if (!error.isEmpty())
                    return done(makeError("data.add_failed", error));
                qCInfo(lcData) << "publishing" << ref.toString();
                done(ref);
            });
            self->d->session->async_add_torrent(std::move(params));
        });
    }).detach();
}

Result<bool> DataSession::fetch(
    const DataRef& ref, const QHostAddress& seed, const QList<QHostAddress>& others, quint16 port)
{
    if (!d->session)
        return makeError("data.not_running", QStringLiteral("pvcd's BitTorrent session is not running"));
    std::vector<lt::tcp::endpoint> peers { { lt::make_address_v4(seed.toString().toStdString()), port } };
    for (const QHostAddress& other : others.mid(0, MaxInitialPeers))
        if (other != seed)
            peers.emplace_back(lt::make_address_v4(other.toString().toStdString()), port);
    touch(ref);
    if (const auto it = d->torrents.constFind(ref.infoHashHex()); it != d->torrents.constEnd()) {
        if (it->is_valid())
            for (const lt::tcp::endpoint& peer : peers)
                it->connect_peer(peer);
        return true;
    }
    lt::add_torrent_params params;
    params.info_hashes = lt::info_hash_t(lt::sha1_hash(ref.infoHash.constData()));
    params.name = ref.name.toStdString();
    params.save_path = QFile::encodeName(m_cacheDirectory + QLatin1Char('/') + ref.infoHashHex()).toStdString();
    params.peers = std::move(peers);
    d->torrents.insert(ref.infoHashHex(), lt::torrent_handle());
    d->session->async_add_torrent(std::move(params));
    qCInfo(lcData) << "fetching" << ref.toString() << "from" << seed.toString() << "and" << others.size() << "members";
    return true;
}

QString DataSession::pathOf(const DataRef& ref) const
{
    const auto it = d->status.constFind(ref.infoHashHex());
    if (it == d->status.constEnd() || !(it->is_seeding || it->is_finished))
        return {};
    return QFile::decodeName(QByteArray::fromStdString(it->save_path)) + QLatin1Char('/') + ref.name;
}

QJsonObject DataSession::transferJson(const DataRef& ref) const
{
    const QString hex = ref.infoHashHex();
    const auto it = d->status.constFind(hex);
    if (it == d->status.constEnd())
        return d->torrents.contains(hex) ? QJsonObject { { QStringLiteral("info_hash"), hex },
            { QStringLiteral("state"), QStringLiteral("starting") } }
                                         : QJsonObject();
    const lt::torrent_status& s = *it;
    QJsonObject transfer { { QStringLiteral("info_hash"), hex },
        { QStringLiteral("name"), QString::fromStdString(s.name) }, { QStringLiteral("state"), stateName(s) },
        { QStringLiteral("progress"), double(s.progress) },
        { QStringLiteral("bytes_done"), qint64(s.total_wanted_done) },
        { QStringLiteral("bytes_total"), qint64(s.total_wanted) },
        { QStringLiteral("download_rate"), s.download_payload_rate },
        { QStringLiteral("upload_rate"), s.upload_payload_rate }, { QStringLiteral("peers"), s.num_peers },
        { QStringLiteral("seeds"), s.num_seeds }, { QStringLiteral("downloaded_bytes"), qint64(s.all_time_download) },
        { QStringLiteral("uploaded_bytes"), qint64(s.all_time_upload) },
        { QStringLiteral("published"), !isFetched(s, m_cacheDirectory) } };
    if (s.errc.failed() || d->errors.contains(hex))
        transfer.insert(QStringLiteral("error"),
            d->errors.contains(hex) ? d->errors.value(hex) : QString::fromStdString(s.errc.message()));
    if (s.is_seeding || s.is_finished)
        transfer.insert(QStringLiteral("path"), pathOf(DataRef { ref.infoHash, QString::fromStdString(s.name), {} }));
    return transfer;
}

QJsonObject DataSession::statusJson() const
{
    QJsonArray transfers;
    qint64 cache = 0, up = 0, down = 0;
    for (auto it = d->status.constBegin(); it != d->status.constEnd(); ++it) {
        DataRef ref;
        ref.infoHash = QByteArray::fromHex(it.key().toLatin1());
        ref.name = QString::fromStdString(it->name);
        transfers.append(transferJson(ref));
        if (isFetched(*it, m_cacheDirectory))
            cache += it->total_wanted_done;
        up += it->all_time_upload;
        down += it->all_time_download;
    }
    return QJsonObject { { QStringLiteral("listening"), d->listening }, { QStringLiteral("seeding"), d->seeding },
        { QStringLiteral("transfers"), transfers }, { QStringLiteral("cache_bytes"), cache },
        { QStringLiteral("uploaded_bytes"), up }, { QStringLiteral("downloaded_bytes"), down },
        { QStringLiteral("hash_failures"), d->hashFailures },
        { QStringLiteral("banned_peers"), QJsonArray::fromStringList(QStringList(d->banned.values())) } };
}

void DataSession::saveResumeData()
{
    if (!d->session)
        return;
    for (const lt::torrent_handle& handle : std::as_const(d->torrents))
        if (handle.is_valid() && handle.need_save_resume_data())
            handle.save_resume_data(lt::torrent_handle::save_info_dict);
}

} // namespace pvc::core
