#include "master/enrolmentauthority.h"

#include "common/jsonfields.h"
#include "common/logging.h"
#include "master/masterstore.h"
#include "security/certificates.h"
#include "security/invitetoken.h"
#include "virtualization/addressplan.h"

#include <QJsonDocument>
#include <QRegularExpression>
#include <QSet>

namespace pvc::master {

using namespace pvc::core;

EnrolmentAuthority::EnrolmentAuthority(MasterStore* store, const ProjectBundle& bundle, const QByteArray& caPrivatePem)
    : m_store(store)
    , m_bundle(bundle)
    , m_caPrivatePem(caPrivatePem)
    , m_clock([] { return QDateTime::currentDateTimeUtc(); })
{
}

QJsonObject EnrolmentAuthority::refuse(const QString& requestId, const char* code, const QString& detail)
{
    qCInfo(lcMaster) << "refused enrolment" << requestId << "-" << code << detail;
    const QJsonObject answer { { QStringLiteral("id"), requestId }, { QStringLiteral("ok"), false },
        { QStringLiteral("error"), QString::fromLatin1(code) }, { QStringLiteral("detail"), detail } };
    m_store->recordRefusal(requestId, QJsonDocument(answer).toJson(QJsonDocument::Compact));
    return answer;
}

QJsonObject EnrolmentAuthority::decide(const QJsonObject& request)
{
    const QString requestId = str(request, "id");
    static const QRegularExpression idPattern(QStringLiteral("^[0-9a-f]{16,64}$"));
    if (!idPattern.match(requestId).hasMatch())
        return QJsonObject { { QStringLiteral("id"), requestId }, { QStringLiteral("ok"), false },
            { QStringLiteral("error"), QStringLiteral("enrol.bad_request") } };
    if (const auto answered = m_store->answeredRequest(requestId))
        return QJsonDocument::fromJson(*answered).object();

    const QString name = str(request, "name");
    static const QRegularExpression namePattern(QStringLiteral("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"));
    if (!namePattern.match(name).hasMatch())
        return refuse(requestId, "enrol.bad_name",
            QStringLiteral("a machine name is 1-63 lowercase letters, digits and inner dashes"));

    const QByteArray csrPem = str(request, "csr").toLatin1();
    const auto csr = certs::parseCsr(csrPem);
    if (!csr)
        return refuse(requestId, "enrol.bad_csr", csr.error().code);
    if (csr->commonName != name)
        return refuse(requestId, "enrol.bad_csr", QStringLiteral("the CSR names another host"));

    // Unknown id and wrong proof get the same answer: the refusal must not help guess tokens.
    const auto token = m_store->token(str(request, "token_id"));
    const QByteArray proof = QByteArray::fromBase64(str(request, "proof").toLatin1());
    if (!token || !InviteToken { token->id, token->secret }.checkProof(name, csrPem, proof))
        return refuse(
            requestId, "enrol.token_invalid", QStringLiteral("the invite token is not valid for this project"));
    const QDateTime now = m_clock();
    if (token->expires <= now)
        return refuse(requestId, "enrol.token_expired",
            QStringLiteral("the invite token expired on %1").arg(token->expires.toString(Qt::ISODate)));
    if (token->usesLeft <= 0)
        return refuse(requestId, "enrol.token_exhausted", QStringLiteral("the invite token has been used up"));

    const auto plan = AddressPlan::parse(m_bundle.network);
    if (!plan)
        return refuse(requestId, "enrol.master_misconfigured", plan.error().detail);
    QString address;
    if (const auto existing = m_store->host(name)) {
        if (existing->revoked)
            return refuse(requestId, "enrol.revoked", QStringLiteral("this machine name has been revoked"));
        if (existing->publicKeyPem != csr->publicKeyPem)
            return refuse(
                requestId, "enrol.name_taken", QStringLiteral("another machine already uses the name '%1'").arg(name));
        address = existing->virtualIp; // the same host re-enrolling keeps its address
    } else {
        const QList<QString> usedList = m_store->usedAddresses();
        const QSet<QString> used(usedList.cbegin(), usedList.cend());
        for (quint32 offset = AddressPlan::firstHostOffset(); offset <= plan->lastHostOffset(); ++offset) {
            if (!used.contains(plan->addressAt(offset))) {
                address = plan->addressAt(offset);
                break;
            }
        }
        if (address.isEmpty())
            return refuse(requestId, "enrol.network_full", QStringLiteral("no virtual address is left"));
    }

    certs::MembershipTerms terms;
    terms.name = name;
    terms.virtualIp = address;
    terms.dnsName = name + QLatin1Char('.') + m_bundle.domain;
    terms.groups = token->groups.isEmpty() ? QStringList { QStringLiteral("volunteer") } : token->groups;
    terms.serial = m_store->nextSerial();
    terms.validityDays = ValidityDays;
    const auto certificate = certs::signMembership(m_caPrivatePem, m_bundle.caCertificatePem, csrPem, terms);
    if (!certificate)
        return refuse(requestId, "enrol.signing_failed", certificate.error().detail);
    const auto info = certs::parseCertificate(*certificate);
    if (!info)
        return refuse(requestId, "enrol.signing_failed", info.error().detail);

    const QJsonObject answer { { QStringLiteral("id"), requestId }, { QStringLiteral("ok"), true },
        { QStringLiteral("cert"), QString::fromLatin1(*certificate) } };
    MasterStore::Host host { name, address, info->serialHex, *certificate, csr->publicKeyPem, now, {}, false };
    if (!m_store->commitEnrolment(host, token->id, requestId, QJsonDocument(answer).toJson(QJsonDocument::Compact)))
        // Nothing was spent or recorded; the host may retry the same request later.
        return QJsonObject { { QStringLiteral("id"), requestId }, { QStringLiteral("ok"), false },
            { QStringLiteral("error"), QStringLiteral("enrol.master_storage") },
            { QStringLiteral("detail"), QStringLiteral("the master could not record the enrolment") } };
    qCInfo(lcMaster) << "enrolled" << name << "as" << address << "serial" << info->serialHex;
    return answer;
}

} // namespace pvc::master
