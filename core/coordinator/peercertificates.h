#pragma once

#include "common/result.h"
#include "security/certificates.h"
#include "security/revocationlist.h"

#include <functional>

namespace pvc::core::peercertificates {

// Brokers announce members and could slip in one of their own: a certificate counts only if the
// project CA signed it, it is valid now, and it names the member it was announced as.
// Errors: those of certs::verifyMembership, and cert.name_mismatch.
Result<certs::CertificateInfo> verifyAnnounced(
    const QByteArray& certificatePem, const QString& name, const QByteArray& caCertificatePem);

// The TLS handshake of a peer session must present the member we meant to reach, not revoked
// (by the list as it is when the handshake happens). The check returns an error code, or empty.
std::function<QString(const QByteArray&)> identityCheck(const QString& expectedName, const RevocationList* revocations);

} // namespace pvc::core::peercertificates
