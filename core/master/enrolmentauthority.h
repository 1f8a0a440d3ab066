#pragma once

#include "master/masterstore.h"
#include "protocol/brokermessages.h"
#include "security/certificates.h"
#include "security/projectbundle.h"

#include <QDateTime>
#include <QJsonObject>
#include <functional>
#include <optional>

namespace pvc::master {

// Decides enrolment requests (DESIGN.md, Trust: Enrolment; docs/protocol.md section 3): checks the
// invite token's proof, expiry and uses, assigns a virtual IP, and signs the membership certificate.
// Answers are remembered per request id, so the same request arriving through two brokers costs one
// use and gets the same answer.
class EnrolmentAuthority {
public:
    EnrolmentAuthority(MasterStore* store, const core::ProjectBundle& bundle, const QByteArray& caPrivatePem);

    // request: an "enrol" message {"id", "name", "csr", "token_id", "proof"}; returns the
    // "enrol-result" message {"id", "ok", "cert"} or {"id", "ok": false, "error": code, "detail"}.
    QJsonObject decide(const QJsonObject& request);
    core::brokerprotocol::EnrolResult decide(const core::brokerprotocol::Enrol& request);

    // A renewal (docs/protocol.md 3.3): a new certificate, same name, address and groups, for the key the
    // master recorded for the name, while the host is not revoked and its membership ended less than
    // RenewalGraceDays ago. No token is spent. Answered as "renew-result".
    core::brokerprotocol::EnrolResult renew(const core::brokerprotocol::Renew& request);

    void setClock(std::function<QDateTime()> clock) { m_clock = std::move(clock); }
    // How long the certificates it signs last (pvc-admin serve --certificate-validity).
    void setValiditySeconds(qint64 seconds) { m_validitySeconds = seconds; }
    static constexpr qint64 DefaultValiditySeconds = 30 * 86400;
    static constexpr int RenewalGraceDays = 90;

private:
    // What a request proved: a well-formed name, a CSR for it, and a live token whose proof matches.
    struct Vetted {
        core::certs::CsrInfo csr;
        MasterStore::Token token;
    };
    core::Result<Vetted> vet(const core::brokerprotocol::Enrol& request, const QDateTime& now) const;
    // The host's address: the one it had (same key re-enrolling) or the first free one.
    core::Result<QString> assignAddress(const QString& name, const QByteArray& publicKeyPem) const;
    core::brokerprotocol::EnrolResult issue(
        const core::brokerprotocol::Enrol& request, const Vetted& vetted, const QString& address, const QDateTime& now);
    core::brokerprotocol::EnrolResult refuse(const QString& requestId, const core::Error& error);
    std::optional<core::brokerprotocol::EnrolResult> answeredBefore(const QString& requestId) const;
    core::brokerprotocol::EnrolResult decideRenewal(const core::brokerprotocol::Renew& request);
    core::Result<Vetted> vetRenewal(const core::brokerprotocol::Renew& request, const QDateTime& now) const;

    MasterStore* m_store;
    core::ProjectBundle m_bundle;
    QByteArray m_caPrivatePem;
    std::function<QDateTime()> m_clock;
    qint64 m_validitySeconds = DefaultValiditySeconds;
};

} // namespace pvc::master
