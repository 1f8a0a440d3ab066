#include "coordinator/enrolment.h"

#include "common/jsonfields.h"
#include "common/logging.h"
#include "coordinator/hoststate.h"
#include "ipc/controlpaths.h"
#include "ipc/frame.h"
#include "protocol/brokerprotocol.h"
#include "security/invitetoken.h"
#include "security/keys.h"

#include <QJsonArray>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTimer>

namespace pvc::core {

namespace {
// The join request the master answers (docs/protocol.md, "Enrolment"): the CSR and the token's proof.
QJsonObject enrolRequest(const QString& name, const QByteArray& csr, const InviteToken& token)
{
    QByteArray requestId(16, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32*>(requestId.data()), 4);
    return QJsonObject { { QStringLiteral("id"), QString::fromLatin1(requestId.toHex()) },
        { QStringLiteral("name"), name }, { QStringLiteral("csr"), QString::fromLatin1(csr) },
        { QStringLiteral("token_id"), token.id },
        { QStringLiteral("proof"), QString::fromLatin1(token.proofFor(name, csr).toBase64()) } };
}
} // namespace

Enrolment::Enrolment(const ProjectBundle& bundle, HostState& hostState, QObject* parent)
    : QObject(parent)
    , m_bundle(bundle)
    , m_hostState(hostState)
    , m_joinTimer(new QTimer(this))
{
    m_revocations.project = bundle.projectId;
    m_revocations.version = -1;
    m_joinTimer->setSingleShot(true);
    connect(m_joinTimer, &QTimer::timeout, this, &Enrolment::handleJoinTimeout);
}

Enrolment::~Enrolment() = default;

Result<certs::CertificateInfo> Enrolment::checkResult(const QByteArray& certificatePem,
    const QByteArray& caCertificatePem, const Result<QByteArray>& hostKey, const QString& expectedName,
    const QDateTime& now)
{
    const auto info = certs::verifyMembership(certificatePem, caCertificatePem, now);
    const auto ours = hostKey ? keys::publicFromPrivate(*hostKey) : Result<QByteArray>(hostKey.error());
    if (!info || !ours || info->publicKeyPem != *ours || info->commonName != expectedName)
        return makeError("enrol.bad_certificate", info ? QStringLiteral("wrong key or name") : info.error().code);
    return info;
}

void Enrolment::loadRevocations()
{
    if (const auto stored = m_hostState.revocations()) {
        if (const auto list = RevocationList::verify(*stored, m_bundle.caPublicPem, m_bundle.projectId))
            m_revocations = *list;
    }
}

void Enrolment::loadMembership()
{
    const QByteArray certificate = m_hostState.membership();
    if (certificate.isEmpty()) {
        const auto pending = m_hostState.pendingEnrolment();
        m_state = pending ? State::Enrolling : State::Disconnected;
        if (pending)
            m_name = str(*pending, "name");
        return;
    }
    const auto info = certs::verifyMembership(certificate, m_bundle.caCertificatePem, QDateTime::currentDateTimeUtc());
    const auto key = m_hostState.key();
    if (key && !info && info.error().code == QLatin1String("cert.expired")) {
        // The master's, but over: renewable (without an invite) for a while.
        if (const auto expired = certs::parseCertificate(certificate)) {
            takeIdentity(certificate, *expired);
            m_state = m_revocations.contains(m_serial) ? State::Revoked : State::Expired;
            if (m_state == State::Expired)
                setError(QStringLiteral("member.expired"),
                    QStringLiteral("the membership certificate expired on %1; renewing through the brokers")
                        .arg(m_certificateExpiry.toString(Qt::ISODate)));
            return;
        }
    }
    if (!info || !key) {
        m_lastErrorCode = info ? key.error().code : info.error().code;
        m_lastErrorDetail = info ? key.error().detail : info.error().detail;
        qCWarning(lcDaemon) << "stored membership is unusable:" << m_lastErrorCode;
        m_state = State::Disconnected;
        return;
    }
    takeIdentity(certificate, *info);
    m_state = m_revocations.contains(m_serial) ? State::Revoked : State::Member;
    if (m_state == State::Member)
        Q_EMIT becameMember(*key);
}

void Enrolment::takeIdentity(const QByteArray& certificatePem, const certs::CertificateInfo& info)
{
    m_certificatePem = certificatePem;
    m_name = info.commonName;
    m_virtualIp = info.virtualIp;
    m_serial = info.serialHex;
    m_groups = info.groups;
    m_certificateExpiry = info.notAfter;
}

Result<bool> Enrolment::adoptRenewal(const QByteArray& certificatePem)
{
    if (m_state != State::Member && m_state != State::Expired)
        return makeError("renew.not_member", QStringLiteral("this host is not a member"));
    const auto key = m_hostState.key();
    const auto info
        = checkResult(certificatePem, m_bundle.caCertificatePem, key, m_name, QDateTime::currentDateTimeUtc());
    if (!info)
        return info.error();
    if (info->virtualIp != m_virtualIp)
        return makeError("renew.bad_certificate", QStringLiteral("the renewed certificate changes the virtual IP"));
    if (m_revocations.contains(info->serialHex))
        return makeError("renew.bad_certificate", QStringLiteral("the renewed certificate is revoked"));
    QString error;
    if (!m_hostState.saveMembership(certificatePem, &error))
        return makeError("state.write_failed", error);
    const bool wasExpired = m_state == State::Expired;
    takeIdentity(certificatePem, *info);
    m_state = State::Member;
    if (m_lastErrorCode == QLatin1String("member.expired"))
        setError({}, {});
    qCInfo(lcDaemon) << "membership renewed: serial" << m_serial << "until"
                     << m_certificateExpiry.toString(Qt::ISODate);
    if (wasExpired) {
        Q_EMIT becameMember(*key);
        Q_EMIT brokerRestartNeeded(QStringLiteral("membership renewed"));
    } else {
        Q_EMIT certificateRenewed(*key);
    }
    return true;
}

void Enrolment::markExpired()
{
    if (m_state != State::Member || m_certificateExpiry > QDateTime::currentDateTimeUtc())
        return;
    qCWarning(lcDaemon) << "the membership certificate expired at" << m_certificateExpiry.toString(Qt::ISODate);
    m_state = State::Expired;
    setError(QStringLiteral("member.expired"),
        QStringLiteral("the membership certificate expired on %1; renewing through the brokers")
            .arg(m_certificateExpiry.toString(Qt::ISODate)));
    Q_EMIT membershipEnded();
    Q_EMIT brokerRestartNeeded(QStringLiteral("membership expired"));
}

QString Enrolment::stateName() const
{
    switch (m_state) {
    case State::Disconnected:
        return QStringLiteral("disconnected");
    case State::Enrolling:
        return QStringLiteral("enrolling");
    case State::Member:
        return QStringLiteral("member");
    case State::Expired:
        return QStringLiteral("expired");
    case State::Revoked:
        return QStringLiteral("revoked");
    }
    return {};
}

void Enrolment::join(const QJsonObject& arguments, JoinReply reply)
{
    if (m_state == State::Member)
        return reply(QStringLiteral("join.already_member"),
            QStringLiteral("this machine is already a member as '%1'; run 'pvc leave' first").arg(m_name));
    if (m_state == State::Revoked)
        return reply(QStringLiteral("join.revoked"),
            QStringLiteral("this machine's membership was revoked; run 'pvc leave' before joining again"));
    const auto token = InviteToken::parse(str(arguments, "token"));
    if (!token)
        return reply(token.error().code, token.error().detail);
    const QString name = str(arguments, "name").isEmpty() ? ipc::defaultMachineName() : str(arguments, "name");
    static const QRegularExpression namePattern(QStringLiteral("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"));
    if (!namePattern.match(name).hasMatch())
        return reply(QStringLiteral("enrol.bad_name"),
            QStringLiteral("a machine name is 1-63 lowercase letters, digits and inner dashes"));

    const auto key = m_hostState.ensureKey();
    if (!key)
        return reply(key.error().code, key.error().detail);
    const auto csr = certs::createCsr(*key, name);
    if (!csr)
        return reply(csr.error().code, csr.error().detail);
    QString error;
    if (!m_hostState.savePendingEnrolment(enrolRequest(name, *csr, *token), &error))
        return reply(QStringLiteral("state.write_failed"), error);

    m_state = State::Enrolling;
    m_name = name;
    m_lastErrorCode.clear();
    m_lastErrorDetail.clear();
    m_joinWaiters << reply;
    m_joinTimer->start(qBound(1000, arguments.value(QLatin1String("timeout_ms")).toInt(JoinTimeoutMs), 600000));
    qCInfo(lcDaemon) << "joining as" << name << "with token" << token->id;
    Q_EMIT enrolmentRequested();
}

void Enrolment::handleJoinTimeout()
{
    if (!m_anyBrokerReached)
        finishJoin(QStringLiteral("enrol.no_broker"), QStringLiteral("no broker of the project could be reached"));
    else if (!m_lastErrorCode.isEmpty())
        finishJoin(m_lastErrorCode, m_lastErrorDetail);
    else
        finishJoin(QStringLiteral("enrol.timeout"),
            QStringLiteral("the master has not answered yet; the request stays queued at the brokers"));
}

std::optional<QJsonObject> Enrolment::pendingEnrolment() const
{
    if (m_state != State::Enrolling)
        return std::nullopt;
    auto pending = m_hostState.pendingEnrolment();
    if (pending) {
        pending->insert(QStringLiteral("v"), ipc::ProtocolVersion);
        pending->insert(QStringLiteral("t"), QStringLiteral("enrol"));
    }
    return pending;
}

std::optional<Result<Enrolment::MemberProof>> Enrolment::memberProof(
    const QByteArray& nonce, const QByteArray& tlsFingerprint) const
{
    if (m_state != State::Member)
        return std::nullopt;
    const auto key = m_hostState.key();
    if (!key)
        return std::nullopt;
    const auto signature = keys::sign(*key, brokerprotocol::helloSigningText(nonce, tlsFingerprint));
    if (!signature)
        return Result<MemberProof>(signature.error());
    return Result<MemberProof>(MemberProof { m_certificatePem, *signature });
}

void Enrolment::handleEnrolResult(const QString& brokerAddress, const QJsonObject& message)
{
    const auto pending = m_hostState.pendingEnrolment();
    if (m_state != State::Enrolling || !pending || str(message, "id") != str(*pending, "id"))
        return;
    if (!message.value(QLatin1String("ok")).toBool()) {
        m_hostState.clearPendingEnrolment();
        m_state = State::Disconnected;
        m_name.clear();
        return finishJoin(str(message, "error"), str(message, "detail"));
    }
    const QByteArray certificate = str(message, "cert").toLatin1();
    const auto checked = checkResult(
        certificate, m_bundle.caCertificatePem, m_hostState.key(), m_name, QDateTime::currentDateTimeUtc());
    if (!checked) {
        m_lastErrorCode = checked.error().code;
        m_lastErrorDetail
            = QStringLiteral("broker %1 returned a certificate that is not the master's for this host (%2)")
                  .arg(brokerAddress, checked.error().detail);
        qCWarning(lcDaemon) << m_lastErrorDetail;
        return;
    }
    becomeMember(certificate);
}

void Enrolment::becomeMember(const QByteArray& certificatePem)
{
    QString error;
    if (!m_hostState.saveMembership(certificatePem, &error)) {
        m_lastErrorCode = QStringLiteral("state.write_failed");
        m_lastErrorDetail = error;
        return finishJoin(m_lastErrorCode, error);
    }
    m_hostState.clearPendingEnrolment();
    loadMembership();
    qCInfo(lcDaemon) << "member of" << m_bundle.name << "as" << m_name << m_virtualIp;
    finishJoin({}, {});
    Q_EMIT brokerRestartNeeded(QStringLiteral("now a member"));
}

void Enrolment::finishJoin(const QString& code, const QString& detail)
{
    m_joinTimer->stop();
    if (!code.isEmpty())
        setError(code, detail);
    const auto waiters = std::exchange(m_joinWaiters, {});
    for (const auto& waiter : waiters)
        waiter(code, detail);
}

void Enrolment::setError(const QString& code, const QString& detail)
{
    m_lastErrorCode = code;
    m_lastErrorDetail = detail;
}

void Enrolment::handleRevocations(const QJsonObject& signedList)
{
    const auto list = RevocationList::verify(signedList, m_bundle.caPublicPem, m_bundle.projectId);
    if (!list) {
        qCWarning(lcDaemon) << "ignoring a revocation list:" << list.error().code;
        return;
    }
    if (list->version <= m_revocations.version)
        return; // an old list, perhaps from a broker that missed an update: never roll back
    m_revocations = *list;
    QString error;
    if (!m_hostState.saveRevocations(signedList, &error))
        qCWarning(lcDaemon) << "cannot keep the revocation list:" << error;
    Q_EMIT revocationsChanged(m_revocations);
    if (m_state == State::Member && m_revocations.contains(m_serial)) {
        qCWarning(lcDaemon) << "this host's membership was revoked by the master";
        m_state = State::Revoked;
        setError(
            QStringLiteral("member.revoked"), QStringLiteral("the project master revoked this machine's membership"));
        Q_EMIT membershipEnded();
        Q_EMIT brokerRestartNeeded(QStringLiteral("revoked"));
    }
}

void Enrolment::leave()
{
    Q_EMIT membershipEnded();
    m_hostState.forgetMembership();
    m_state = State::Disconnected;
    forgetIdentity();
    if (!m_joinWaiters.isEmpty())
        finishJoin(QStringLiteral("enrol.cancelled"), QStringLiteral("the host left the project"));
    setError({}, {});
    Q_EMIT brokerRestartNeeded(QStringLiteral("left the project"));
}

void Enrolment::forgetIdentity()
{
    m_certificatePem.clear();
    m_name.clear();
    m_virtualIp.clear();
    m_serial.clear();
    m_groups.clear();
}

void Enrolment::describe(QJsonObject& status) const
{
    status.insert(QStringLiteral("state"), stateName());
    status.insert(QStringLiteral("name"), m_name);
    status.insert(QStringLiteral("virtual_ip"), m_virtualIp);
    status.insert(QStringLiteral("revocation_version"), m_revocations.version);
    if (!m_serial.isEmpty()) {
        status.insert(QStringLiteral("serial"), m_serial);
        status.insert(QStringLiteral("groups"), QJsonArray::fromStringList(m_groups));
        status.insert(QStringLiteral("certificate_expires"), m_certificateExpiry.toString(Qt::ISODate));
    }
    if (!m_lastErrorCode.isEmpty())
        status.insert(QStringLiteral("error"),
            QJsonObject {
                { QStringLiteral("code"), m_lastErrorCode }, { QStringLiteral("detail"), m_lastErrorDetail } });
}

} // namespace pvc::core
