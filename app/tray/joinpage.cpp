#include "joinpage.h"

#include "appicons.h"
#include "controlconnection.h"
#include "errortext.h"
#include "ipc/controlcommands.h"
#include "ipc/controlpaths.h"
#include "statetext.h"

#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QVBoxLayout>

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
    , m_connection(connection)
    , m_project(project)
{
    auto* icon = new QLabel(this);
    icon->setPixmap(applicationIcon().pixmap(48, 48));
    m_title = new QLabel(this);
    m_title->setObjectName(QStringLiteral("joinTitle"));
    QFont titleFont = m_title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.4);
    titleFont.setBold(true);
    m_title->setFont(titleFont);
    auto* subtitle = new QLabel(tr("Give this computer's spare time to the project. You choose how much "
                                   "and when, in the Computing tab, once it has joined."),
        this);
    subtitle->setWordWrap(true);
    auto* header = new QGridLayout;
    header->addWidget(icon, 0, 0, 2, 1, Qt::AlignTop);
    header->addWidget(m_title, 0, 1);
    header->addWidget(subtitle, 1, 1);
    header->setColumnStretch(1, 1);
    header->setHorizontalSpacing(12);

    m_projectText = new QLabel(this);
    m_projectText->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_brokersText = new QLabel(this);
    m_brokersText->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_nameEdit = new QLineEdit(ipc::defaultMachineName(), this);
    m_nameEdit->setObjectName(QStringLiteral("machineNameEdit"));
    m_nameEdit->setMaxLength(63);
    m_nameEdit->setToolTip(tr("How the other members and the project see this computer."));
    m_tokenEdit = new QLineEdit(this);
    m_tokenEdit->setObjectName(QStringLiteral("tokenEdit"));
    m_tokenEdit->setPlaceholderText(tr("pvc1-..."));
    m_tokenEdit->setMaxLength(128);
    m_bundledTokenNote = new QLabel(tr("The installer brought an invite token."), this);
    m_otherTokenButton = new QPushButton(tr("Use another token"), this);
    m_otherTokenButton->setFlat(true);
    auto* tokenRow = new QHBoxLayout;
    tokenRow->setContentsMargins(0, 0, 0, 0);
    tokenRow->addWidget(m_tokenEdit, 1);
    tokenRow->addWidget(m_bundledTokenNote, 1);
    tokenRow->addWidget(m_otherTokenButton);

    auto* form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
    form->addRow(tr("Project:"), m_projectText);
    form->addRow(tr("Brokers:"), m_brokersText);
    form->addRow(tr("Machine name:"), m_nameEdit);
    form->addRow(tr("Invite token:"), tokenRow);

    m_joinButton = new QPushButton(tr("Join"), this);
    m_joinButton->setObjectName(QStringLiteral("joinButton"));
    m_joinButton->setDefault(true);
    m_joinButton->setMinimumWidth(120);
    auto* buttonRow = new QHBoxLayout;
    buttonRow->addStretch();
    buttonRow->addWidget(m_joinButton);

    auto* steps = new QGridLayout;
    steps->setHorizontalSpacing(8);
    const QStringList stepNames { tr("Connecting to the project's brokers"), tr("Waiting for the project's master"),
        tr("Member of the project") };
    for (int i = 0; i < stepNames.size(); ++i) {
        auto* mark = new QLabel(this);
        mark->setFixedWidth(fontMetrics().horizontalAdvance(QLatin1Char('M')) * 2);
        mark->setAlignment(Qt::AlignCenter);
        auto* text = new QLabel(stepNames.at(i), this);
        steps->addWidget(mark, i, 0);
        steps->addWidget(text, i, 1);
        m_stepMarks << mark;
        m_stepTexts << text;
    }
    steps->setColumnStretch(1, 1);
    m_busy = new QProgressBar(this);
    m_busy->setRange(0, 0);
    m_busy->setTextVisible(false);
    m_busy->setMaximumHeight(8);

    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("joinErrorLabel"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #b91c1c;"));
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_result = new QLabel(this);
    m_result->setObjectName(QStringLiteral("joinResultLabel"));
    m_result->setWordWrap(true);
    m_result->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_openButton = new QPushButton(tr("Open pvc"), this);
    m_openButton->setObjectName(QStringLiteral("openButton"));
    auto* resultRow = new QHBoxLayout;
    resultRow->addWidget(m_result, 1);
    resultRow->addWidget(m_openButton, 0, Qt::AlignTop);

    // One column of readable width, a little above the centre of whatever window holds it.
    auto* column = new QWidget(this);
    column->setMaximumWidth(680);
    auto* layout = new QVBoxLayout(column);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(14);
    layout->addLayout(header);
    layout->addLayout(form);
    layout->addLayout(buttonRow);
    layout->addLayout(steps);
    layout->addWidget(m_busy);
    layout->addWidget(m_error);
    layout->addLayout(resultRow);
    auto* outer = new QGridLayout(this);
    outer->setContentsMargins(24, 20, 24, 20);
    outer->addWidget(column, 1, 1);
    outer->setRowStretch(0, 1);
    outer->setRowStretch(2, 3);
    outer->setColumnStretch(0, 1);
    outer->setColumnStretch(1, 100);
    outer->setColumnStretch(2, 1);

    const bool bundledToken = !m_project.inviteToken.isEmpty();
    m_tokenEdit->setText(m_project.inviteToken);
    m_tokenEdit->setVisible(!bundledToken);
    m_bundledTokenNote->setVisible(bundledToken);
    m_otherTokenButton->setVisible(bundledToken);
    connect(m_otherTokenButton, &QPushButton::clicked, this, [this] {
        m_tokenEdit->clear();
        m_tokenEdit->show();
        m_bundledTokenNote->hide();
        m_otherTokenButton->hide();
        m_tokenEdit->setFocus();
    });
    connect(m_joinButton, &QPushButton::clicked, this, &JoinPage::startJoin);
    connect(m_tokenEdit, &QLineEdit::returnPressed, this, &JoinPage::startJoin);
    connect(m_openButton, &QPushButton::clicked, this, &JoinPage::openRequested);
    connect(connection, &ControlConnection::statusChanged, this, &JoinPage::handleStatus);
    connect(connection, &ControlConnection::connected, this, &JoinPage::handleConnectionChanged);
    connect(connection, &ControlConnection::disconnected, this, &JoinPage::handleConnectionChanged);

    m_busy->hide();
    m_openButton->hide();
    m_result->hide();
    m_error->setText(m_project.error);
    m_error->setVisible(!m_project.error.isEmpty());
    showStep(Step::Idle);
    updateProjectText(connection->status());
    handleConnectionChanged();
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
    m_title->setText(name.isEmpty() ? tr("Join a pvc project") : tr("Join %1").arg(name));
    m_projectText->setText(name.isEmpty() ? tr("unknown") : domain.isEmpty() ? name : tr("%1 (%2)").arg(name, domain));
    m_brokersText->setText(brokers.isEmpty() ? tr("none known") : brokers.join(QStringLiteral(", ")));
}

void JoinPage::handleConnectionChanged()
{
    const bool up = m_connection->isConnected();
    m_joinButton->setEnabled(up && !m_joining);
    m_joinButton->setToolTip(up ? QString() : tr("pvcd is not running."));
}

void JoinPage::setInputsEnabled(bool enabled)
{
    m_nameEdit->setEnabled(enabled);
    m_tokenEdit->setEnabled(enabled);
    m_otherTokenButton->setEnabled(enabled);
    m_joinButton->setEnabled(enabled && m_connection->isConnected());
}

void JoinPage::startJoin()
{
    if (m_joining || !m_connection->isConnected())
        return;
    const QString name = m_nameEdit->text().trimmed();
    const QString token = m_tokenEdit->text().trimmed();
    if (!machineNamePattern().match(name).hasMatch()) {
        showError(errorText(QStringLiteral("enrol.bad_name"), {}));
        m_nameEdit->setFocus();
        return;
    }
    if (token.isEmpty()) {
        showError(tr("Paste the invite token the project gave you."));
        m_tokenEdit->setFocus();
        return;
    }
    m_joining = true;
    m_queued = false;
    m_error->hide();
    m_result->hide();
    m_openButton->hide();
    setInputsEnabled(false);
    showStep(StateText::connectedBrokers(m_connection->status()) > 0 ? Step::Master : Step::Brokers);
    m_busy->show();
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
    m_busy->setVisible(m_queued);
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
    m_busy->hide();
    m_error->hide();
    showStep(Step::Member);
    const QString project = status.value(QLatin1String("project")).toObject().value(QLatin1String("name")).toString();
    m_result->setText(
        tr("This computer is now a member of %1, as %2, with the virtual IP address %3.")
            .arg(project.isEmpty() ? m_project.name : project, status.value(QLatin1String("name")).toString(),
                status.value(QLatin1String("virtual_ip")).toString()));
    m_result->show();
    m_openButton->show();
    m_openButton->setFocus();
    Q_EMIT joined();
}

void JoinPage::showError(const QString& text)
{
    m_error->setText(text);
    m_error->show();
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
