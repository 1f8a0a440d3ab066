#pragma once

#include "security/projectbundle.h"

#include <QDateTime>
#include <QJsonObject>
#include <functional>

namespace pvc::master {

class MasterStore;

// Decides enrolment requests (DESIGN.md, Trust: Enrolment): checks the invite token's proof,
// expiry and uses, assigns a virtual IP, and signs the membership certificate. Answers are
// remembered per request id, so the same request arriving through two brokers costs one use.
class EnrolmentAuthority {
public:
    EnrolmentAuthority(MasterStore* store, const core::ProjectBundle& bundle, const QByteArray& caPrivatePem);

    // request: {"id", "name", "csr", "token_id", "proof"}; returns {"id", "ok", "cert"} or
    // {"id", "ok": false, "error": code, "detail"}.
    QJsonObject decide(const QJsonObject& request);

    void setClock(std::function<QDateTime()> clock) { m_clock = std::move(clock); }
    static constexpr int ValidityDays = 30;

private:
    QJsonObject refuse(const QString& requestId, const char* code, const QString& detail);

    MasterStore* m_store;
    core::ProjectBundle m_bundle;
    QByteArray m_caPrivatePem;
    std::function<QDateTime()> m_clock;
};

} // namespace pvc::master
