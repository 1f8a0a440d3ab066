#pragma once

#include "common/result.h"

#include <QByteArray>
#include <QString>

// Invite tokens: "pvc1-<id: 16 hex>-<secret: 32 base64url>". The secret never travels: the joining
// host sends the id and an HMAC of its own CSR keyed by the secret, so a broker that sees the request
// can neither learn the secret nor reuse the proof for another key.
namespace pvc::core {

struct InviteToken {
    QString id;
    QByteArray secret; // 24 random bytes

    static InviteToken generate();
    // Errors: enrol.token_malformed.
    static Result<InviteToken> parse(const QString& text);
    QString toString() const;

    QByteArray proofFor(const QString& name, const QByteArray& csrPem) const;
    bool checkProof(const QString& name, const QByteArray& csrPem, const QByteArray& proof) const;
};

} // namespace pvc::core
