#include "master/enrolmentauthority.h"

#include "common/jsonfields.h"
#include "common/logging.h"
#include "security/invitetoken.h"
#include "virtualization/addressplan.h"

#include <QJsonDocument>
#include <QRegularExpression>
#include <QSet>

namespace pvc::master {

using namespace pvc::core;
using brokerprotocol::Enrol;
using brokerprotocol::EnrolResult;
using brokerprotocol::Renew;

namespace {

// The answer as the requests table keeps it: the message without its "v" and "t".
QByteArray storedForm(const EnrolResult& result)
{
    QJsonObject answer = result.toJson();
    answer.remove(QStringLiteral("v"));
    answer.remove(QStringLiteral("t"));
    return QJsonDocument(answer).toJson(QJsonDocument::Compact);
}

EnrolResult badRequest(const QString& requestId)
{
    return EnrolResult { requestId, false, std::nullopt, QStringLiteral("enrol.bad_request"), std::nullopt };
}

} // namespace

EnrolmentAuthority::EnrolmentAuthority(MasterStore* store, const ProjectBundle& bundle, const QByteArray& caPrivatePem)
    : m_store(store)
    , m_bundle(bundle)
    , m_caPrivatePem(caPrivatePem)
    , m_clock([] { return QDateTime::currentDateTimeUtc(); })
{
}

EnrolResult EnrolmentAuthority::refuse(const QString& requestId, const Error& error)
{
    qCInfo(lcMaster) << "refused enrolment" << requestId << "-" << error.code << error.detail;
    const EnrolResult answer { requestId, false, std::nullopt, error.code, error.detail };
    m_store->recordRefusal(requestId, storedForm(answer));
    return answer;
}

QJsonObject EnrolmentAuthority::decide(const QJsonObject& request)
{
    const auto parsed = Enrol::parse(request);
    if (!parsed)
        return badRequest(str(request, "id").left(brokerprotocol::MaxShortChars)).toJson();
    return decide(*parsed).toJson();
}

// A request id that is malformed, or already answered, gets its answer without any other check.
std::optional<EnrolResult> EnrolmentAuthority::answeredBefore(const QString& requestId) const
{
    if (!brokerprotocol::isValidId(requestId))
        return badRequest(requestId);
    if (const auto answered = m_store->answeredRequest(requestId)) {
        if (const auto stored = EnrolResult::parse(QJsonDocument::fromJson(*answered).object()))
            return *stored;
    }
    return std::nullopt;
}

EnrolResult EnrolmentAuthority::decide(const Enrol& request)
{
    if (auto answer = answeredBefore(request.id))
        return *answer;
    const QDateTime now = m_clock();
    const auto vetted = vet(request, now);
    if (!vetted)
        return refuse(request.id, vetted.error());
    const auto address = assignAddress(request.name, vetted->csr.publicKeyPem);
    if (!address)
        return refuse(request.id, address.error());
    return issue(request, *vetted, *address, now);
}

// The checks of docs/protocol.md 3, in order. An unknown token id and a wrong proof get the same
// answer: the refusal must not help guess tokens.
Result<EnrolmentAuthority::Vetted> EnrolmentAuthority::vet(const Enrol& request, const QDateTime& now) const
{
    static const QRegularExpression namePattern(QStringLiteral("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"));
    if (!namePattern.match(request.name).hasMatch())
        return makeError(
            "enrol.bad_name", QStringLiteral("a machine name is 1-63 lowercase letters, digits and inner dashes"));
    const QByteArray csrPem = request.csr.toLatin1();
    const auto csr = certs::parseCsr(csrPem);
    if (!csr)
        return makeError("enrol.bad_csr", csr.error().code);
    if (csr->commonName != request.name)
        return makeError("enrol.bad_csr", QStringLiteral("the CSR names another host"));
    const auto token = m_store->token(request.tokenId);
    const QByteArray proof = QByteArray::fromBase64(request.proof.toLatin1());
    if (!token || !InviteToken { token->id, token->secret }.checkProof(request.name, csrPem, proof))
        return makeError("enrol.token_invalid", QStringLiteral("the invite token is not valid for this project"));
    if (token->expires <= now)
        return makeError("enrol.token_expired",
            QStringLiteral("the invite token expired on %1").arg(token->expires.toString(Qt::ISODate)));
    if (token->usesLeft <= 0)
        return makeError("enrol.token_exhausted", QStringLiteral("the invite token has been used up"));
    return Vetted { *csr, *token };
}

Result<QString> EnrolmentAuthority::assignAddress(const QString& name, const QByteArray& publicKeyPem) const
{
    const auto plan = AddressPlan::parse(m_bundle.network);
    if (!plan)
        return makeError("enrol.master_misconfigured", plan.error().detail);
    if (const auto existing = m_store->host(name)) {
        if (existing->revoked)
            return makeError("enrol.revoked", QStringLiteral("this machine name has been revoked"));
        if (existing->publicKeyPem != publicKeyPem)
            return makeError(
                "enrol.name_taken", QStringLiteral("another machine already uses the name '%1'").arg(name));
        return existing->virtualIp; // the same host re-enrolling keeps its address
    }
    const QList<QString> usedList = m_store->usedAddresses();
    const QSet<QString> used(usedList.cbegin(), usedList.cend());
    for (quint32 offset = AddressPlan::firstHostOffset(); offset <= plan->lastHostOffset(); ++offset)
        if (!used.contains(plan->addressAt(offset)))
            return plan->addressAt(offset);
    return makeError("enrol.network_full", QStringLiteral("no virtual address is left"));
}

// Signs the certificate, then records the host, spends the token and remembers the answer in one
// transaction.
EnrolResult EnrolmentAuthority::issue(
    const Enrol& request, const Vetted& vetted, const QString& address, const QDateTime& now)
{
    certs::MembershipTerms terms;
    terms.name = request.name;
    terms.virtualIp = address;
    terms.dnsName = request.name + QLatin1Char('.') + m_bundle.domain;
    terms.groups = vetted.token.groups.isEmpty() ? QStringList { QStringLiteral("volunteer") } : vetted.token.groups;
    terms.serial = m_store->nextSerial();
    terms.validitySeconds = m_validitySeconds;
    const auto certificate
        = certs::signMembership(m_caPrivatePem, m_bundle.caCertificatePem, request.csr.toLatin1(), terms);
    if (!certificate)
        return refuse(request.id, makeError("enrol.signing_failed", certificate.error().detail));
    const auto info = certs::parseCertificate(*certificate);
    if (!info)
        return refuse(request.id, makeError("enrol.signing_failed", info.error().detail));

    const EnrolResult answer { request.id, true, QString::fromLatin1(*certificate), std::nullopt, std::nullopt };
    const MasterStore::Host host { request.name, address, info->serialHex, *certificate, vetted.csr.publicKeyPem, now,
        {}, false };
    if (!m_store->commitEnrolment(host, vetted.token.id, request.id, storedForm(answer))) // no token: a renewal
        // Nothing was spent or recorded; the host may retry the same request later.
        return EnrolResult { request.id, false, std::nullopt, QStringLiteral("enrol.master_storage"),
            QStringLiteral("the master could not record the enrolment") };
    qCInfo(lcMaster) << "enrolled" << request.name << "as" << address << "serial" << info->serialHex;
    return answer;
}

EnrolResult EnrolmentAuthority::renew(const Renew& request)
{
    EnrolResult answer = decideRenewal(request);
    answer.renewal = true;
    return answer;
}

EnrolResult EnrolmentAuthority::decideRenewal(const Renew& request)
{
    if (auto answer = answeredBefore(request.id))
        return *answer;
    const QDateTime now = m_clock();
    const auto vetted = vetRenewal(request, now);
    if (!vetted)
        return refuse(request.id, vetted.error());
    const Enrol asEnrol { request.id, request.name, request.csr, {}, {} };
    return issue(asEnrol, *vetted, m_store->host(request.name)->virtualIp, now);
}

// Only the key the master recorded for the name can renew it: the CSR is signed by that key. The groups
// are those of the certificate being replaced.
Result<EnrolmentAuthority::Vetted> EnrolmentAuthority::vetRenewal(const Renew& request, const QDateTime& now) const
{
    const auto csr = certs::parseCsr(request.csr.toLatin1());
    if (!csr)
        return makeError("renew.bad_csr", csr.error().code);
    if (csr->commonName != request.name)
        return makeError("renew.bad_csr", QStringLiteral("the CSR names another host"));
    const auto host = m_store->host(request.name);
    if (!host)
        return makeError("renew.unknown_host",
            QStringLiteral("the master knows no machine named '%1': join with an invite").arg(request.name));
    if (host->revoked)
        return makeError("renew.revoked", QStringLiteral("this machine's membership was revoked"));
    if (host->publicKeyPem != csr->publicKeyPem)
        return makeError("renew.wrong_key", QStringLiteral("the master knows '%1' by another key").arg(request.name));
    const auto current = certs::parseCertificate(host->certificatePem);
    if (!current)
        return makeError("renew.master_storage", QStringLiteral("the master's record of this host is unreadable"));
    if (current->notAfter.addDays(RenewalGraceDays) < now)
        return makeError("renew.too_late",
            QStringLiteral("the membership ended on %1, more than %2 days ago: join again with an invite")
                .arg(current->notAfter.toString(Qt::ISODate))
                .arg(RenewalGraceDays));
    MasterStore::Token none;
    none.groups = current->groups;
    return Vetted { *csr, none };
}

} // namespace pvc::master
