#include "coordinator/creditbook.h"

#include "common/logging.h"
#include "coordinator/brokerdispatch.h"
#include "coordinator/controlapi.h"
#include "coordinator/enrolment.h"
#include "ipc/controlcommands.h"
#include "ipc/controlserver.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

namespace pvc::core {

CreditBook::CreditBook(
    const ProjectBundle& bundle, const QString& stateDirectory, const Modules& modules, QObject* parent)
    : QObject(parent)
    , m_bundle(bundle)
    , m_path(stateDirectory + QStringLiteral("/credits.json"))
    , m_modules(modules)
{
}

void CreditBook::start()
{
    load();
    connect(m_modules.brokers, &BrokerDispatch::creditsReceived, this, &CreditBook::handle);
    m_modules.control->addCommand(
        ipc::command::Credits, [this](const QJsonObject&, const ControlApi::Responder& r) { r->reply(creditsJson()); });
}

// What was kept is checked again: a file edited by hand, or a statement for a membership since left, is dropped.
void CreditBook::load()
{
    QFile file(m_path);
    if (!file.open(QIODevice::ReadOnly) || file.size() > CreditStatement::MaxSignedBytes + 1024)
        return;
    const QJsonObject stored = QJsonDocument::fromJson(file.readAll()).object();
    const auto statement = CreditStatement::verify(stored, m_bundle.caPublicPem, m_bundle.projectId);
    if (!statement) {
        qCWarning(lcDaemon) << "ignoring the stored credit statement:" << statement.error().code;
        return;
    }
    m_statement = *statement;
    m_signed = stored;
}

void CreditBook::refuse(const QString& code, const QString& detail)
{
    ++m_refused;
    m_lastRefusal = code + QStringLiteral(": ") + detail;
    qCWarning(lcDaemon) << "refused a credit statement:" << m_lastRefusal;
}

void CreditBook::handle(const QJsonObject& message)
{
    const QJsonObject signedStatement = message.value(QLatin1String("statement")).toObject();
    const auto statement = CreditStatement::verify(signedStatement, m_bundle.caPublicPem, m_bundle.projectId);
    if (!statement)
        return refuse(statement.error().code, statement.error().detail);
    const QString me = m_modules.enrolment->name();
    if (statement->host != me)
        return refuse(QStringLiteral("credits.wrong_host"),
            QStringLiteral("the statement is for %1, not %2").arg(statement->host, me));
    if (m_statement && statement->host == m_statement->host && statement->version <= m_statement->version) {
        if (statement->version < m_statement->version)
            refuse(QStringLiteral("credits.rolled_back"),
                QStringLiteral("version %1 is older than the %2 kept")
                    .arg(statement->version)
                    .arg(m_statement->version));
        return; // the same version again: nothing new
    }
    QSaveFile file(m_path);
    if (!file.open(QIODevice::WriteOnly) || file.write(QJsonDocument(signedStatement).toJson()) < 0 || !file.commit()) {
        qCWarning(lcDaemon) << "cannot keep the credit statement in" << m_path << file.errorString();
        return;
    }
    m_statement = *statement;
    m_signed = signedStatement;
    qCInfo(lcDaemon) << "credit statement version" << statement->version << ":" << statement->total << "credits for"
                     << statement->certifiedTasks << "certified tasks";
}

QJsonObject CreditBook::creditsJson() const
{
    const bool mine = m_statement && m_statement->host == m_modules.enrolment->name();
    QJsonObject credits = mine
        ? m_statement->toStatusJson(QDateTime::currentDateTimeUtc())
        : QJsonObject { { QStringLiteral("total"), 0 }, { QStringLiteral("daily_average"), 0 },
              { QStringLiteral("certified_tasks"), 0 }, { QStringLiteral("history"), QJsonArray() } };
    credits.insert(QStringLiteral("refused"), m_refused);
    if (!m_lastRefusal.isEmpty())
        credits.insert(QStringLiteral("last_refusal"), m_lastRefusal);
    return credits;
}

} // namespace pvc::core
