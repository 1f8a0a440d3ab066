#pragma once

#include "common/result.h"

#include <QDate>
#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>

namespace pvc::core {

// A host's credit, as the master states it (docs/batch.md, "The ledger"): signed with the project CA's key,
// carried by brokers that cannot forge it, and kept by the host's pvcd only if it is for this host and newer
// than the one it has (no roll-back).
struct CreditStatement {
    static constexpr int MaxHistoryDays = 400;
    static constexpr qint64 MaxSignedBytes = 64 * 1024;
    static constexpr double HalfLifeDays = 7.0; // the recent average's, as BOINC's RAC

    QString project; // CA fingerprint
    QString host;
    qint64 version = 0; // increases with every statement for this host
    QDateTime issued;
    double total = 0; // cobblestones
    qint64 certifiedTasks = 0;
    double recentAverage = 0; // credit per day, exponentially weighted, as of `issued`
    QList<QPair<QDate, double>> history; // credit granted per day, oldest first

    // {"body": {...}, "sig": base64(Ed25519 over "pvc-credits-v1\n" + the compact JSON of body)}
    Result<QJsonObject> sign(const QByteArray& caPrivatePem) const;
    // Errors: credits.malformed (also over MaxSignedBytes, before the signature is checked), credits.bad_signature,
    // credits.wrong_project.
    static Result<CreditStatement> verify(
        const QJsonObject& signedStatement, const QByteArray& caPublicPem, const QString& project);

    // The recent average decayed from `issued` to `now` (no grant since): what the owner sees today.
    double recentAverageAt(const QDateTime& now) const;
    // The control API's `credits` object: total, daily_average, certified_tasks, history [{date, credits}],
    // version, issued.
    QJsonObject toStatusJson(const QDateTime& now) const;
};

} // namespace pvc::core
