#include "coordinator/peercertificates.h"

#include <QDateTime>

namespace pvc::core::peercertificates {

Result<certs::CertificateInfo> verifyAnnounced(
    const QByteArray& certificatePem, const QString& name, const QByteArray& caCertificatePem)
{
    auto verified = certs::verifyMembership(certificatePem, caCertificatePem, QDateTime::currentDateTimeUtc());
    if (verified && verified->commonName != name)
        return makeError("cert.name_mismatch");
    return verified;
}

std::function<QString(const QByteArray&)> identityCheck(const QString& expectedName, const RevocationList* revocations)
{
    return [expectedName, revocations](const QByteArray& presentedPem) -> QString {
        const auto presented = certs::parseCertificate(presentedPem);
        if (!presented || presented->commonName != expectedName)
            return QStringLiteral("peer.identity_mismatch");
        if (revocations->contains(presented->serialHex))
            return QStringLiteral("peer.revoked");
        return {};
    };
}

} // namespace pvc::core::peercertificates
