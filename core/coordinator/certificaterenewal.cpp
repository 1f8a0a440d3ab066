#include "coordinator/certificaterenewal.h"

#include "common/logging.h"
#include "coordinator/brokerdispatch.h"
#include "coordinator/controlapi.h"
#include "coordinator/enrolment.h"
#include "coordinator/hoststate.h"
#include "protocol/brokermessages.h"
#include "security/certificates.h"

#include <QRandomGenerator>
#include <QTimer>
#include <algorithm>

namespace pvc::core {

namespace {
constexpr qint64 MaxTickMs = 3600 * 1000; // the clock is looked at least hourly (a suspended laptop wakes up)
constexpr int RememberedRequests = 4;

QString newRequestId()
{
    QByteArray id(16, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32*>(id.data()), 4);
    return QString::fromLatin1(id.toHex());
}
} // namespace

CertificateRenewal::CertificateRenewal(HostState& hostState, const Modules& modules, QObject* parent)
    : QObject(parent)
    , m_hostState(hostState)
    , m_modules(modules)
    , m_timer(new QTimer(this))
{
    m_timer->setSingleShot(true);
    m_timer->setTimerType(Qt::PreciseTimer);
    connect(m_timer, &QTimer::timeout, this, &CertificateRenewal::tick);
    connect(m_modules.enrolment, &Enrolment::becameMember, this, &CertificateRenewal::reschedule);
    connect(m_modules.enrolment, &Enrolment::certificateRenewed, this, &CertificateRenewal::reschedule);
    connect(m_modules.enrolment, &Enrolment::membershipEnded, this, &CertificateRenewal::reschedule);
    connect(m_modules.brokers, &BrokerDispatch::renewResultReceived, this, &CertificateRenewal::handleResult);
    connect(m_modules.brokers, &BrokerDispatch::renewalRefused, this, &CertificateRenewal::setError);
    m_modules.control->addStatusPart(QStringLiteral("certificate_renewal"), [this] { return statusJson(); });
}

CertificateRenewal::~CertificateRenewal() = default;

QDateTime CertificateRenewal::renewalDue(const QDateTime& notBefore, const QDateTime& notAfter)
{
    return notAfter.addMSecs(-notBefore.msecsTo(notAfter) / 3);
}

qint64 CertificateRenewal::retryIntervalMs(const QDateTime& notBefore, const QDateTime& notAfter)
{
    return std::clamp(notBefore.msecsTo(notAfter) / 30, qint64(1000), qint64(15 * 60 * 1000));
}

void CertificateRenewal::reschedule()
{
    const Enrolment::State state = m_modules.enrolment->state();
    if (state != Enrolment::State::Member && state != Enrolment::State::Expired) {
        m_timer->stop();
        m_due = {};
        return;
    }
    const auto info = certs::parseCertificate(m_modules.enrolment->certificatePem());
    if (!info)
        return;
    m_notBefore = info->notBefore;
    m_notAfter = info->notAfter;
    m_due = renewalDue(m_notBefore, m_notAfter);
    m_timer->start(0);
}

// One look at the clock: expire the identity if its time is over, ask the master if the renewal is due
// and no request is waiting, then sleep until the next thing that can happen.
void CertificateRenewal::tick()
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const Enrolment::State state = m_modules.enrolment->state();
    if (state == Enrolment::State::Member && now >= m_notAfter)
        m_modules.enrolment->markExpired(); // emits membershipEnded, which reschedules
    if (m_modules.enrolment->state() != Enrolment::State::Member
        && m_modules.enrolment->state() != Enrolment::State::Expired)
        return;
    const qint64 retryMs = retryIntervalMs(m_notBefore, m_notAfter);
    if (now >= m_due && (!m_lastAsked.isValid() || m_lastAsked.msecsTo(now) >= retryMs))
        askMaster();
    qint64 nextMs = now < m_due ? now.msecsTo(m_due) : m_lastAsked.msecsTo(now) < retryMs ? retryMs : 1000;
    if (m_modules.enrolment->state() == Enrolment::State::Member && now < m_notAfter)
        nextMs = std::min(nextMs, now.msecsTo(m_notAfter) + 1);
    m_timer->start(int(std::clamp(nextMs, qint64(100), MaxTickMs)));
}

void CertificateRenewal::askMaster()
{
    m_lastAsked = QDateTime::currentDateTimeUtc();
    const auto key = m_hostState.key();
    const auto csr = key ? certs::createCsr(*key, m_modules.enrolment->name()) : Result<QByteArray>(key.error());
    if (!csr)
        return setError(csr.error().code, csr.error().detail);
    const brokerprotocol::Renew renew { newRequestId(), m_modules.enrolment->name(), QString::fromLatin1(*csr) };
    m_askedIds.append(renew.id);
    while (m_askedIds.size() > RememberedRequests)
        m_askedIds.removeFirst();
    const int brokers = m_modules.brokers->sendRenewal(renew.toJson());
    qCInfo(lcDaemon) << "asked the master to renew the membership certificate through" << brokers << "broker(s)";
    if (brokers == 0)
        setError(QStringLiteral("renew.no_broker"), QStringLiteral("no broker is connected; trying again"));
}

void CertificateRenewal::handleResult(const QJsonObject& message)
{
    const auto result = brokerprotocol::EnrolResult::parse(message);
    if (!result || !m_askedIds.contains(result->id))
        return; // not ours, or an answer we no longer wait for
    m_askedIds.removeAll(result->id);
    if (!result->ok) {
        qCWarning(lcDaemon) << "the master refused to renew the membership:" << result->error.value_or(QString());
        return setError(result->error.value_or(QStringLiteral("renew.refused")), result->detail.value_or(QString()));
    }
    const auto adopted = m_modules.enrolment->adoptRenewal(result->certificate.value_or(QString()).toLatin1());
    if (!adopted) {
        qCWarning(lcDaemon) << "a renewed certificate was refused:" << adopted.error().code << adopted.error().detail;
        return setError(adopted.error().code, adopted.error().detail);
    }
    m_lastRenewed = QDateTime::currentDateTimeUtc();
    m_lastAsked = {};
    m_askedIds.clear();
    setError({}, {});
}

void CertificateRenewal::setError(const QString& code, const QString& detail)
{
    m_errorCode = code;
    m_errorDetail = detail;
}

QJsonObject CertificateRenewal::statusJson() const
{
    QJsonObject status;
    if (!m_due.isValid())
        return status;
    status.insert(QStringLiteral("due"), m_due.toString(Qt::ISODate));
    if (m_lastRenewed.isValid())
        status.insert(QStringLiteral("last_renewed"), m_lastRenewed.toString(Qt::ISODate));
    if (!m_errorCode.isEmpty())
        status.insert(QStringLiteral("error"),
            QJsonObject { { QStringLiteral("code"), m_errorCode }, { QStringLiteral("detail"), m_errorDetail } });
    return status;
}

} // namespace pvc::core
