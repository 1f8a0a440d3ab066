#include "master/creditpublisher.h"

#include "batch/creditledger.h"
#include "common/logging.h"
#include "connectivity/brokerconnection.h"
#include "master/masterservice.h"
#include "protocol/brokermessages.h"
#include "security/creditstatement.h"

#include <QTimer>
#include <algorithm>

namespace pvc::master {

using core::CreditLedger;
using core::CreditStatement;

namespace {
CreditStatement statementOf(
    const CreditLedger::HostSummary& summary, const QString& project, qint64 version, const QDateTime& issued)
{
    CreditStatement s;
    s.project = project;
    s.host = summary.host;
    s.version = version;
    s.issued = issued;
    s.total = summary.total;
    s.certifiedTasks = summary.certifiedTasks;
    s.recentAverage = summary.recentAverage;
    s.history = summary.history;
    return s;
}
} // namespace

CreditPublisher::CreditPublisher(const QString& ledgerPath, const core::ProjectBundle& bundle,
    const QByteArray& caPrivatePem, MasterService* service)
    : QObject(service)
    , m_ledgerPath(ledgerPath)
    , m_bundle(bundle)
    , m_caPrivatePem(caPrivatePem)
    , m_service(service)
    , m_ledger(std::make_unique<CreditLedger>())
    , m_timer(new QTimer(this))
{
    m_timer->setInterval(CheckIntervalMs);
    connect(m_timer, &QTimer::timeout, this, &CreditPublisher::publishChanged);
    connect(service, &MasterService::brokerWelcomed, this, &CreditPublisher::publishAll);
}

CreditPublisher::~CreditPublisher() = default;

bool CreditPublisher::open(QString* error)
{
    return m_ledger->open(m_ledgerPath, error);
}

void CreditPublisher::start()
{
    m_timer->start();
    publishChanged();
}

void CreditPublisher::publishChanged()
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (const CreditLedger::HostSummary& summary : m_ledger->summaries(now)) {
        const auto last = m_ledger->published(summary.host);
        if (last && last->digest == summary.digest && last->issued.secsTo(now) < RestateAfterHours * 3600)
            continue;
        // Versions only grow, also if the ledger's record of them were lost: seconds since the epoch at least.
        const qint64 version = std::max(last ? last->version + 1 : 1, now.toSecsSinceEpoch());
        const auto signedStatement = statementOf(summary, m_bundle.projectId, version, now).sign(m_caPrivatePem);
        if (!signedStatement) {
            qCWarning(lcMaster) << "cannot sign the credit statement of" << summary.host
                                << signedStatement.error().detail;
            continue;
        }
        m_service->sendToBrokers(core::brokerprotocol::CreditsDocument { summary.host, *signedStatement }.toJson());
        m_ledger->setPublished(summary.host, { version, summary.digest, now });
        qCInfo(lcMaster) << "stated" << summary.host << "credit" << summary.total << "for" << summary.certifiedTasks
                         << "tasks, version" << version;
    }
}

// A broker that just connected may hold nothing (a new one, or one that lost its store): the current statements,
// with the versions hosts already have, which the broker stores and hosts take only if they are newer.
void CreditPublisher::publishAll(core::BrokerConnection* broker)
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (const CreditLedger::HostSummary& summary : m_ledger->summaries(now)) {
        const auto last = m_ledger->published(summary.host);
        if (!last || last->digest != summary.digest)
            continue; // publishChanged states it anew
        const auto signedStatement
            = statementOf(summary, m_bundle.projectId, last->version, last->issued).sign(m_caPrivatePem);
        if (signedStatement)
            m_service->sendToBrokers(
                core::brokerprotocol::CreditsDocument { summary.host, *signedStatement }.toJson(), broker);
    }
}

} // namespace pvc::master
