#pragma once

#include "common/result.h"
#include "data/dataref.h"

#include <QHostAddress>
#include <QJsonObject>
#include <QObject>
#include <functional>
#include <memory>
#include <vector>

class QTimer;
namespace libtorrent {
struct torrent_status;
} // namespace libtorrent

namespace pvc::core {

// pvcd's BitTorrent session (docs/data.md), over libtorrent-rasterbar 2.0, whose own threads do the
// work: nothing here blocks the event loop (hashing a file to publish runs on a thread of its own). It
// listens only on the member's virtual IP and connects only from it: no DHT, no local service discovery,
// no UPnP or NAT-PMP, no uTP, no tracker. Peers come from the publisher (the first peer of every fetch)
// and from peer exchange among members; corrupt pieces are caught by libtorrent's hash checks and the
// peers that sent them banned (smart_ban). Downloads live in a cache directory, one folder per info-hash,
// with resume data, so a fetch interrupted by a restart goes on from the pieces it had.
class DataSession : public QObject {
    Q_OBJECT
public:
    static constexpr quint16 DefaultPort = 6881;
    static constexpr int AlertIntervalMs = 250;
    static constexpr int ResumeSaveIntervalMs = 5000;
    static constexpr qint64 InUseMs = 30 * 1000; // data a task asked for this recently is kept over the cap

    struct Limits {
        int uploadKiBps = 0; // 0: no limit
        int downloadKiBps = 0;
        qint64 cacheBytes = 0; // 0: no limit
        bool operator==(const Limits&) const = default;
    };

    explicit DataSession(const QString& cacheDirectory, QObject* parent);
    ~DataSession() override;

    // Starts listening on address:port (the member's virtual IP) and takes up the downloads that
    // were under way. Errors: data.listen_failed.
    Result<bool> start(const QHostAddress& address, quint16 port = DefaultPort);
    void stop();
    bool isRunning() const;
    void setLimits(const Limits& limits);
    // Whether data fetched here is served to others once complete (the owner may stop it while computing
    // is paused). Data this host published is always served: nobody else may have it yet.
    void setSeeding(bool allowed);

    using PublishDone = std::function<void(const Result<DataRef>&)>;
    // Hashes path (a file or a directory) into a hybrid v1+v2 torrent on a thread, then seeds it in
    // place; the answer is the reference, with this member as publisher.
    void publish(const QString& path, const QString& publisher, PublishDone done);
    static constexpr int MaxInitialPeers = 20;
    // Starts (or finds) the download of ref, asking `seed` (the publisher) and up to MaxInitialPeers `others`
    // (members that may have it too; those that do not refuse at once) first. Errors: data.not_running.
    Result<bool> fetch(const DataRef& ref, const QHostAddress& seed, const QList<QHostAddress>& others = {},
        quint16 port = DefaultPort);
    // Where a finished download's data is (the file or directory named ref.name), or empty while not finished.
    QString pathOf(const DataRef& ref) const;
    // Marks ref as just used, for the cache's least-recently-used order.
    void touch(const DataRef& ref);

    // {"transfers": [...], "cache_bytes", "uploaded_bytes", "downloaded_bytes", "listening"} for pvcd's status.
    QJsonObject statusJson() const;
    // One transfer's status, or an empty object if ref is not known here.
    QJsonObject transferJson(const DataRef& ref) const;

Q_SIGNALS:
    void transferFinished(const QString& infoHashHex);

private:
    struct Private;
    void pumpAlerts();
    void takeStatus(const std::vector<libtorrent::torrent_status>& statuses);
    void saveResumeData();
    // Removes the least recently used fetched data (files and resume data) while the cache is over its cap.
    void enforceCacheLimit();
    void loadLastUsed();
    // Pauses or resumes the complete fetched transfers to match the seeding choice.
    void applySeeding();

    std::unique_ptr<Private> d;
    QString m_cacheDirectory;
    QTimer* m_alerts;
    QTimer* m_resume;
};

} // namespace pvc::core
