#pragma once

#include "common/result.h"

#include <QDateTime>
#include <QJsonObject>
#include <QSet>
#include <QString>

// The master's signed list of revoked membership serials. Brokers store and forward it but
// cannot forge it or roll it back past a version a host has already seen.
namespace pvc::core {

struct RevocationList {
    QString project; // CA fingerprint
    qint64 version = 0;
    QDateTime issued;
    QSet<QString> serials; // lowercase hex

    bool contains(const QString& serialHex) const { return serials.contains(serialHex); }

    // {"body": {...}, "sig": base64(Ed25519 over the compact JSON of body)}
    Result<QJsonObject> sign(const QByteArray& caPrivatePem) const;
    // Errors: revocation.malformed, revocation.bad_signature, revocation.wrong_project.
    static Result<RevocationList> verify(
        const QJsonObject& signedList, const QByteArray& caPublicPem, const QString& project);
};

} // namespace pvc::core
