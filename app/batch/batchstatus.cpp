#include "batchstatus.h"

#include "batch/batchstore.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <cstdio>

namespace pvc::batch {

using core::BatchStore;

namespace {
QJsonObject summary(const BatchStore& store, const QJsonObject& progress)
{
    int certified = 0, doubt = 0;
    for (const BatchStore::Decision& decision : store.decisions())
        (decision.state == QLatin1String("certified") ? certified : doubt) += 1;
    QMap<QString, QPair<double, int>> byHost; // credit, tasks
    for (const BatchStore::Credit& credit : store.credits()) {
        byHost[credit.host].first += credit.credit;
        byHost[credit.host].second += 1;
    }
    QJsonArray hosts;
    for (auto it = byHost.constBegin(); it != byHost.constEnd(); ++it)
        hosts.append(QJsonObject { { QStringLiteral("host"), it.key() }, { QStringLiteral("credit"), it->first },
            { QStringLiteral("certified_tasks"), it->second } });
    QStringList blocked;
    int spotChecksPassed = 0;
    for (const BatchStore::Event& event : store.events()) {
        if (event.kind == BatchStore::Event::Kind::SpotFailed && !blocked.contains(event.host))
            blocked.append(event.host);
        spotChecksPassed += event.kind == BatchStore::Event::Kind::SpotPassed;
    }
    return QJsonObject { { QStringLiteral("certified"), certified }, { QStringLiteral("in_doubt"), doubt },
        { QStringLiteral("spot_checks_passed"), spotChecksPassed },
        { QStringLiteral("blocked"), QJsonArray::fromStringList(blocked) }, { QStringLiteral("credits"), hosts },
        { QStringLiteral("in_flight"), progress.value(QLatin1String("in_flight")).toInt() },
        { QStringLiteral("running"), progress.value(QLatin1String("running")).toBool() },
        { QStringLiteral("updated"), progress.value(QLatin1String("updated")).toString() } };
}
} // namespace

int printBatchStatus(const QString& dir, bool json)
{
    const QString db = dir + QStringLiteral("/batch.db");
    if (!QFileInfo(db).isFile()) {
        std::fprintf(stderr, "pvc-batch: %s holds no batch (no batch.db)\n", qPrintable(dir));
        return 2;
    }
    BatchStore store;
    QString error;
    if (!store.open(db, &error)) {
        std::fprintf(stderr, "pvc-batch: cannot read %s: %s\n", qPrintable(db), qPrintable(error));
        return 2;
    }
    QFile progressFile(dir + QStringLiteral("/progress.json"));
    QJsonObject progress;
    if (progressFile.open(QIODevice::ReadOnly) && progressFile.size() < (1 << 20))
        progress = QJsonDocument::fromJson(progressFile.readAll()).object();
    const QJsonObject s = summary(store, progress);
    if (json) {
        std::fputs(QJsonDocument(s).toJson().constData(), stdout);
        return 0;
    }
    std::printf("%s: %d certified, %d in doubt, %d replicas in flight (%s, %s)\n", qPrintable(dir),
        s.value(QLatin1String("certified")).toInt(), s.value(QLatin1String("in_doubt")).toInt(),
        s.value(QLatin1String("in_flight")).toInt(),
        s.value(QLatin1String("running")).toBool() ? "running" : "not running",
        qPrintable(s.value(QLatin1String("updated")).toString()));
    std::printf("spot-checks passed: %d; blocked: %s\n", s.value(QLatin1String("spot_checks_passed")).toInt(),
        qPrintable(s.value(QLatin1String("blocked")).toVariant().toStringList().join(QStringLiteral(", "))));
    for (const QJsonValue& host : s.value(QLatin1String("credits")).toArray())
        std::printf("  %-20s %10.3f credits  %5d certified tasks\n",
            qPrintable(host.toObject().value(QLatin1String("host")).toString()),
            host.toObject().value(QLatin1String("credit")).toDouble(),
            host.toObject().value(QLatin1String("certified_tasks")).toInt());
    return 0;
}

} // namespace pvc::batch
