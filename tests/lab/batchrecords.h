#pragma once

#include "batch/batchstore.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QString>

// What a batch's records say, for tst_batch: a host's credit in `pvc-batch status --json`, and the journal's
// events of a host after it was blocked.
namespace pvc::test {

// A host's credit in the status's "credits" list; 0 if it has none.
inline double creditOf(const QJsonObject& status, const QString& host)
{
    for (const QJsonValue& entry : status.value(QLatin1String("credits")).toArray())
        if (entry.toObject().value(QLatin1String("host")).toString() == host)
            return entry.toObject().value(QLatin1String("credit")).toDouble();
    return 0;
}

// The journal's events of one host after it was blocked (there must be none).
inline int eventsAfterBlock(const QList<pvc::core::BatchStore::Event>& events, const QString& host)
{
    int after = -1;
    for (const pvc::core::BatchStore::Event& event : events) {
        if (event.kind == pvc::core::BatchStore::Event::Kind::SpotFailed && event.host == host)
            after = 0;
        else if (after >= 0 && event.host == host)
            ++after;
    }
    return after;
}

} // namespace pvc::test
