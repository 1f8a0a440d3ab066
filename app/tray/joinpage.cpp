#include "joinpage.h"

#include "appicons.h"
#include "controlconnection.h"
#include "errortext.h"
#include "ipc/controlcommands.h"
#include "ipc/controlpaths.h"
#include "statetext.h"
#include "ui_joinpage.h"

#include <QJsonArray>
#include <QRegularExpression>

namespace pvc::app {

namespace {
// pvcd waits this long for the master; the page waits a little longer for pvcd's answer.
constexpr int JoinTimeoutMs = 60000;

const QRegularExpression& machineNamePattern()
{
    static const QRegularExpression pattern(QStringLiteral("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"));
    return pattern;
}

// The master's answers (docs/protocol.md, section 3): the join failed at the "waiting for the master" step.
const QStringList MasterRefusals { QStringLiteral("enrol.token_invalid"), QStringLiteral("enrol.token_expired"),
    QStringLiteral("enrol.token_exhausted"), QStringLiteral("enrol.name_taken"), QStringLiteral("enrol.revoked"),
    QStringLiteral("enrol.bad_name"), QStringLiteral("enrol.bad_csr"), QStringLiteral("enrol.network_full"),
    QStringLiteral("enrol.bad_certificate") };
} // namespace

JoinPage::JoinPage(ControlConnection* connection, const ProjectInfo& project, QWidget* parent)
    : QWidget(parent)
    , m_ui(std::make_unique<Ui::JoinPage>())
    , m_connection(connection)
    , m_project(project)
{
    m_ui->setupUi(this);
    // What the form cannot hold: the icon, a title relative to the system font, the machine's name.
    m_ui->iconLabel->setPixmap(applicationIcon().pixmap(48, 48));
    QFont titleFont = m_ui->joinTitle->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.4);
    titleFont.setBold(true);
    m_ui->joinTitle->setFont(titleFont);
    m_ui->machineNameEdit->setText(ipc::defaultMachineName());
    m_stepMarks = { m_ui->brokersStepMark, m_ui->masterStepMark, m_ui->memberStepMark };
    m_stepTexts = { m_ui->brokersStepText, m_ui->masterStepText, m_ui->memberStepText };
    for (QLabel* mark : std::as_const(m_stepMarks))
        mark->setFixedWidth(fontMetrics().horizontalAdvance(QLatin1Char('M')) * 2);
    showBundledToken();
    connectSignals();

    m_ui->busy->hide();
    m_ui->openButton->hide();
    m_ui->joinResultLabel->hide();
    m_ui->joinErrorLabel->setText(m_project.error);
    m_ui->joinErrorLabel->setVisible(!m_project.error.isEmpty());
    showStep(Step::Idle);
    updateProjectText(connection->status());
    handleConnectionChanged();
}

JoinPage::~JoinPage() = default;

// A token the installer brought needs no typing; "Use another token" brings the field back.
void JoinPage::showBundledToken()
{
    const bool bundledToken = !m_project.inviteToken.isEmpty();
    m_ui->tokenEdit->setText(m_project.inviteToken);
    m_ui->tokenEdit->setVisible(!bundledToken);
    m_ui->bundledTokenNote->setVisible(bundledToken);
    m_ui->otherTokenButton->setVisible(bundledToken);
    connect(m_ui->otherTokenButton, &QPushButton::clicked, this, [this] {
        m_ui->tokenEdit->clear();
        m_ui->tokenEdit->show();
        m_ui->bundledTokenNote->hide();
        m_ui->otherTokenButton->hide();
        m_ui->tokenEdit->setFocus();
    });
}

void JoinPage::connectSignals()
{
    connect(m_ui->joinButton, &QPushButton::clicked, this, &JoinPage::startJoin);
    connect(m_ui->tokenEdit, &QLineEdit::returnPressed, this, &JoinPage::startJoin);
    connect(m_ui->openButton, &QPushButton::clicked, this, &JoinPage::openRequested);
    connect(m_connection, &ControlConnection::statusChanged, this, &JoinPage::handleStatus);
    connect(m_connection, &ControlConnection::connected, this, &JoinPage::handleConnectionChanged);
    connect(m_connection, &ControlConnection::disconnected, this, &JoinPage::handleConnectionChanged);
}

void JoinPage::updateProjectText(const QJsonObject& status)
{
    const QJsonObject project = status.value(QLatin1String("project")).toObject();
    // The bundle names the project before pvcd answers; pvcd's own bundle wins once it does.
    QString name = project.value(QLatin1String("name")).toString();
    QString domain = project.value(QLatin1String("domain")).toString();
    QStringList brokers;
    for (const QJsonValue& broker : status.value(QLatin1String("brokers")).toArray())
        brokers << broker.toObject().value(QLatin1String("address")).toString();
    if (name.isEmpty()) {
        name = m_project.name;
        domain = m_project.domain;
    }
    if (brokers.isEmpty())
        brokers = m_project.brokers;
    m_ui->joinTitle->setText(name.isEmpty() ? tr("Join a pvc project") : tr("Join %1").arg(name));
    m_ui->projectText->setText(name.isEmpty() ? tr("unknown")
            : domain.isEmpty()                ? name
                                              : tr("%1 (%2)").arg(name, domain));
    m_ui->brokersText->setText(brokers.isEmpty() ? tr("none known") : brokers.join(QStringLiteral(", ")));
}

void JoinPage::handleConnectionChanged()
{
    const bool up = m_connection->isConnected();
    m_ui->joinButton->setEnabled(up && !m_joining);
    m_ui->joinButton->setToolTip(up ? QString() : tr("pvcd is not running."));
}

void JoinPage::setInputsEnabled(bool enabled)
{
    m_ui->machineNameEdit->setEnabled(enabled);
    m_ui->tokenEdit->setEnabled(enabled);
    m_ui->otherTokenButton->setEnabled(enabled);
    m_ui->joinButton->setEnabled(enabled && m_connection->isConnected());
}

void JoinPage::startJoin()
{
    if (m_joining || !m_connection->isConnected())
        return;
    const QString name = m_ui->machineNameEdit->text().trimmed();
    const QString token = m_ui->tokenEdit->text().trimmed();
    if (!machineNamePattern().match(name).hasMatch()) {
        showError(errorText(QStringLiteral("enrol.bad_name"), {}));
        m_ui->machineNameEdit->setFocus();
        return;
    }
    if (token.isEmpty()) {
        showError(tr("Paste the invite token the project gave you."));
        m_ui->tokenEdit->setFocus();
        return;
    }
    m_joining = true;
    m_queued = false;
    m_ui->joinErrorLabel->hide();
    m_ui->joinResultLabel->hide();
    m_ui->openButton->hide();
    setInputsEnabled(false);
    showStep(StateText::connectedBrokers(m_connection->status()) > 0 ? Step::Master : Step::Brokers);
    m_ui->busy->show();
    const QJsonObject arguments { { QStringLiteral("token"), token }, { QStringLiteral("name"), name },
        { QStringLiteral("timeout_ms"), JoinTimeoutMs } };
    m_connection->request(
        ipc::command::Join, arguments, this,
        [this](const ipc::ControlReply& reply) {
            handleJoinReply(reply.ok ? reply.result : QJsonObject(), reply.errorCode, reply.errorDetail);
        },
        JoinTimeoutMs + 5000);
}

void JoinPage::handleJoinReply(const QJsonObject& result, const QString& errorCode, const QString& errorDetail)
{
    m_joining = false;
    if (!result.isEmpty()) {
        showMember(result);
        return;
    }
    // The master did not answer in time, but pvcd keeps the request queued: keep watching.
    m_queued = errorCode == QLatin1String("enrol.timeout");
    m_ui->busy->setVisible(m_queued);
    setInputsEnabled(!m_queued);
    if (errorCode == QLatin1String("enrol.no_broker"))
        showStep(Step::Brokers, true);
    else if (!m_queued)
        showStep(MasterRefusals.contains(errorCode) ? Step::Master : Step::Idle, true);
    showError(errorText(errorCode, errorDetail));
    handleConnectionChanged();
}

void JoinPage::handleStatus(const QJsonObject& status)
{
    updateProjectText(status);
    const QString state = status.value(QLatin1String("state")).toString();
    if (state == QLatin1String("member") && (m_joining || m_queued)) {
        m_joining = false;
        showMember(status);
        return;
    }
    if (m_joining && StateText::connectedBrokers(status) > 0)
        showStep(Step::Master);
    if (!m_joining && !m_queued && state == QLatin1String("revoked"))
        showError(errorText(QStringLiteral("member.revoked"), {}));
}

void JoinPage::showMember(const QJsonObject& status)
{
    m_queued = false;
    m_ui->busy->hide();
    m_ui->joinErrorLabel->hide();
    showStep(Step::Member);
    const QString project = status.value(QLatin1String("project")).toObject().value(QLatin1String("name")).toString();
    m_ui->joinResultLabel->setText(
        tr("This computer is now a member of %1, as %2, with the virtual IP address %3.")
            .arg(project.isEmpty() ? m_project.name : project, status.value(QLatin1String("name")).toString(),
                status.value(QLatin1String("virtual_ip")).toString()));
    m_ui->joinResultLabel->show();
    m_ui->openButton->show();
    m_ui->openButton->setFocus();
    Q_EMIT joined();
}

void JoinPage::showError(const QString& text)
{
    m_ui->joinErrorLabel->setText(text);
    m_ui->joinErrorLabel->show();
}

void JoinPage::showStep(Step step, bool failed)
{
    const int current = step == Step::Idle ? -1 : int(step) - 1;
    for (int i = 0; i < m_stepMarks.size(); ++i) {
        const bool done = i < current || (step == Step::Member && i == current);
        const bool active = i == current && !done;
        QLabel* mark = m_stepMarks.at(i);
        if (done) {
            mark->setText(QStringLiteral("\u2713"));
            mark->setStyleSheet(QStringLiteral("color: #15803d; font-weight: bold;"));
        } else if (active) {
            mark->setText(failed ? QStringLiteral("\u2717") : QStringLiteral("\u25CF"));
            mark->setStyleSheet(failed ? QStringLiteral("color: #b91c1c;") : QStringLiteral("color: #2563eb;"));
        } else {
            mark->setText(QStringLiteral("\u25CB"));
            mark->setStyleSheet(QStringLiteral("color: #9ca3af;"));
        }
        QFont font = m_stepTexts.at(i)->font();
        font.setBold(active);
        m_stepTexts.at(i)->setFont(font);
        m_stepTexts.at(i)->setEnabled(done || active);
    }
}

} // namespace pvc::app
