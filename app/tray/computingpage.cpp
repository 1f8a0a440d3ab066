#include "computingpage.h"

#include "autostart.h"
#include "controlconnection.h"
#include "errortext.h"
#include "ipc/controlcommands.h"
#include "statetext.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QRadioButton>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>
#include <QThread>
#include <QTime>
#include <QTimeEdit>
#include <QVBoxLayout>

namespace pvc::app {

namespace {
const QString TimeFormat = QStringLiteral("HH:mm");

QString key(const char* name)
{
    return QString::fromLatin1(name);
}

// The preferences this form shows; other fields pvcd may add do not make it reload.
QJsonObject shownPreferences(const QJsonObject& preferences)
{
    QJsonObject shown;
    for (const char* name : { "cores", "max_cores", "all_but_one", "idle_minutes", "when_in_use", "throttle_percent",
             "run_on_battery", "window_enabled", "window_start", "window_end" })
        if (preferences.contains(QLatin1String(name)))
            shown.insert(key(name), preferences.value(QLatin1String(name)));
    return shown;
}
} // namespace

ComputingPage::ComputingPage(ControlConnection* connection, QWidget* parent)
    : QWidget(parent)
    , m_connection(connection)
    , m_maxCores(qMax(1, QThread::idealThreadCount()))
{
    m_notice = new QLabel(this);
    m_notice->setObjectName(QStringLiteral("computingNotice"));
    m_notice->setWordWrap(true);
    m_notice->setFrameShape(QFrame::StyledPanel);
    m_notice->setMargin(8);

    m_form = new QWidget(this);
    m_cores = new QSlider(Qt::Horizontal, m_form);
    m_cores->setObjectName(QStringLiteral("coresSlider"));
    m_cores->setRange(1, m_maxCores);
    m_cores->setPageStep(1);
    m_cores->setTickPosition(QSlider::TicksBelow);
    m_cores->setTickInterval(1);
    m_coresText = new QLabel(m_form);
    m_coresText->setMinimumWidth(fontMetrics().horizontalAdvance(tr("%n of %1 cores", nullptr, 88).arg(88)) + 8);
    m_allButOne = new QCheckBox(tr("All but one core"), m_form);
    m_allButOne->setObjectName(QStringLiteral("allButOneCheck"));
    m_allButOne->setEnabled(m_maxCores > 1);
    auto* coresRow = new QHBoxLayout;
    coresRow->addWidget(new QLabel(tr("Cores given:"), m_form));
    coresRow->addWidget(m_cores, 1);
    coresRow->addWidget(m_coresText);

    // Sentences rather than a label column: every row reads left to right, in any language.
    auto* cores = new QGroupBox(tr("How much"), m_form);
    auto* coresLayout = new QVBoxLayout(cores);
    coresLayout->addLayout(coresRow);
    coresLayout->addWidget(m_allButOne);

    m_idleMinutes = new QSpinBox(m_form);
    m_idleMinutes->setObjectName(QStringLiteral("idleMinutesSpin"));
    m_idleMinutes->setRange(0, 240);
    m_idleMinutes->setSuffix(tr(" min"));
    m_idleMinutes->setKeyboardTracking(false);
    m_pauseWhenUsed = new QRadioButton(tr("Pause"), m_form);
    m_pauseWhenUsed->setObjectName(QStringLiteral("pauseWhenUsedRadio"));
    m_throttleWhenUsed = new QRadioButton(tr("Slow down to"), m_form);
    m_throttleWhenUsed->setObjectName(QStringLiteral("throttleWhenUsedRadio"));
    auto* whenUsed = new QButtonGroup(this);
    whenUsed->addButton(m_pauseWhenUsed);
    whenUsed->addButton(m_throttleWhenUsed);
    m_throttlePercent = new QSpinBox(m_form);
    m_throttlePercent->setObjectName(QStringLiteral("throttlePercentSpin"));
    m_throttlePercent->setRange(10, 100);
    m_throttlePercent->setSingleStep(5);
    m_throttlePercent->setSuffix(tr("% of the CPU"));
    m_throttlePercent->setKeyboardTracking(false);
    auto* idleRow = new QHBoxLayout;
    idleRow->addWidget(new QLabel(tr("Run when the computer has been idle for"), m_form));
    idleRow->addWidget(m_idleMinutes);
    idleRow->addStretch();
    auto* whenUsedRow = new QHBoxLayout;
    whenUsedRow->addWidget(new QLabel(tr("While I use the computer:"), m_form));
    whenUsedRow->addSpacing(6);
    whenUsedRow->addWidget(m_pauseWhenUsed);
    whenUsedRow->addSpacing(12);
    whenUsedRow->addWidget(m_throttleWhenUsed);
    whenUsedRow->addWidget(m_throttlePercent);
    whenUsedRow->addStretch();
    m_onBattery = new QCheckBox(tr("Also run on battery power"), m_form);
    m_onBattery->setObjectName(QStringLiteral("onBatteryCheck"));
    m_window = new QCheckBox(tr("Only between"), m_form);
    m_window->setObjectName(QStringLiteral("windowCheck"));
    m_windowStart = new QTimeEdit(m_form);
    m_windowStart->setObjectName(QStringLiteral("windowStartEdit"));
    m_windowEnd = new QTimeEdit(m_form);
    m_windowEnd->setObjectName(QStringLiteral("windowEndEdit"));
    for (QTimeEdit* edit : { m_windowStart, m_windowEnd }) {
        edit->setDisplayFormat(TimeFormat);
        edit->setKeyboardTracking(false);
    }
    auto* windowRow = new QHBoxLayout;
    windowRow->addWidget(m_window);
    windowRow->addWidget(m_windowStart);
    windowRow->addWidget(new QLabel(tr("and"), m_form));
    windowRow->addWidget(m_windowEnd);
    windowRow->addWidget(new QLabel(tr("every day"), m_form));
    windowRow->addStretch();

    auto* when = new QGroupBox(tr("When"), m_form);
    auto* whenLayout = new QVBoxLayout(when);
    whenLayout->addLayout(idleRow);
    whenLayout->addLayout(whenUsedRow);
    whenLayout->addWidget(m_onBattery);
    whenLayout->addLayout(windowRow);

    m_now = new QLabel(m_form);
    m_now->setObjectName(QStringLiteral("computingNowLabel"));
    m_now->setWordWrap(true);
    m_pauseButton = new QPushButton(tr("Pause for 1 hour"), m_form);
    m_resumeButton = new QPushButton(tr("Resume"), m_form);
    m_finishButton = new QPushButton(tr("Finish and pause"), m_form);
    m_finishButton->setObjectName(QStringLiteral("finishButton"));
    m_finishButton->setToolTip(tr("Let the current work finish, then pause until you resume."));
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_pauseButton);
    buttons->addWidget(m_resumeButton);
    buttons->addWidget(m_finishButton);
    buttons->addStretch();
    auto* now = new QGroupBox(tr("Now"), m_form);
    auto* nowLayout = new QVBoxLayout(now);
    nowLayout->addWidget(m_now);
    nowLayout->addLayout(buttons);

    auto* formLayout = new QVBoxLayout(m_form);
    formLayout->setContentsMargins(0, 0, 0, 0);
    formLayout->addWidget(cores);
    formLayout->addWidget(when);
    formLayout->addWidget(now);

    m_message = new QLabel(this);
    m_message->setObjectName(QStringLiteral("computingMessage"));
    m_message->setWordWrap(true);
    m_message->setStyleSheet(QStringLiteral("color: #b91c1c;"));
    m_message->hide();
    m_autostart = new QCheckBox(tr("Start pvc when I log in"), this);
    m_autostart->setObjectName(QStringLiteral("autostartCheck"));
    m_autostart->setChecked(autostart::isEnabled());
    auto* desktop = new QGroupBox(tr("This desktop"), this);
    auto* desktopLayout = new QVBoxLayout(desktop);
    desktopLayout->addWidget(m_autostart);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_notice);
    layout->addWidget(m_form);
    layout->addWidget(m_message);
    layout->addWidget(desktop);
    layout->addStretch();

    connect(m_cores, &QSlider::valueChanged, this, [this](int value) {
        updateCoresText();
        if (!m_cores->isSliderDown())
            send({ { key("cores"), value } });
    });
    connect(m_cores, &QSlider::sliderReleased, this, [this] { send({ { key("cores"), m_cores->value() } }); });
    connect(m_allButOne, &QCheckBox::toggled, this, [this](bool on) { send({ { key("all_but_one"), on } }); });
    connect(m_idleMinutes, &QSpinBox::valueChanged, this, [this](int value) {
        send({ { key("idle_minutes"), value } });
    });
    connect(m_pauseWhenUsed, &QRadioButton::toggled, this, [this](bool on) {
        if (on)
            send({ { key("when_in_use"), QStringLiteral("pause") } });
    });
    connect(m_throttleWhenUsed, &QRadioButton::toggled, this, [this](bool on) {
        if (on)
            send({ { key("when_in_use"), QStringLiteral("throttle") } });
    });
    connect(m_throttlePercent, &QSpinBox::valueChanged, this, [this](int value) {
        send({ { key("throttle_percent"), value } });
    });
    connect(m_onBattery, &QCheckBox::toggled, this, [this](bool on) { send({ { key("run_on_battery"), on } }); });
    connect(m_window, &QCheckBox::toggled, this, [this](bool on) { send({ { key("window_enabled"), on } }); });
    connect(m_windowStart, &QTimeEdit::timeChanged, this, [this](QTime time) {
        send({ { key("window_start"), time.toString(TimeFormat) } });
    });
    connect(m_windowEnd, &QTimeEdit::timeChanged, this, [this](QTime time) {
        send({ { key("window_end"), time.toString(TimeFormat) } });
    });
    connect(m_pauseButton, &QPushButton::clicked, this, [this] {
        command(ipc::command::Pause, { { key("minutes"), 60 } });
    });
    connect(m_resumeButton, &QPushButton::clicked, this, [this] { command(ipc::command::Resume, {}); });
    connect(m_finishButton, &QPushButton::clicked, this, [this] { command(ipc::command::FinishThenPause, {}); });
    connect(m_autostart, &QCheckBox::toggled, this, [this](bool on) {
        QString error;
        if (!autostart::setEnabled(on, &error))
            showMessage(error);
        const QSignalBlocker blocker(m_autostart);
        m_autostart->setChecked(autostart::isEnabled());
    });

    connect(connection, &ControlConnection::connected, this, &ComputingPage::load);
    connect(connection, &ControlConnection::disconnected, this,
        [this] { setAvailable(false, tr("pvcd is not running: the preferences it stores cannot be shown.")); });
    connect(connection, &ControlConnection::statusChanged, this, &ComputingPage::handleStatus);
    setAvailable(false, tr("Asking pvcd for the preferences..."));
    if (connection->isConnected())
        load();
}

void ComputingPage::load()
{
    m_connection->request(ipc::command::GetPreferences, {}, this, [this](const ipc::ControlReply& reply) {
        if (reply.ok) {
            setAvailable(true);
            apply(reply.result);
        } else if (reply.errorCode == QLatin1String("control.unknown_command")) {
            setAvailable(false,
                tr("The owner's preferences are not available from this pvcd: it is older than pvc-tray. "
                   "Update pvc to choose the cores, the idle time and the hours given to the project."));
        } else {
            setAvailable(false, errorText(reply.errorCode, reply.errorDetail));
        }
    });
}

void ComputingPage::setAvailable(bool available, const QString& why)
{
    m_available = available;
    m_form->setEnabled(available);
    m_notice->setText(why);
    m_notice->setVisible(!available);
    if (!available)
        m_now->setText(tr("not available from this pvcd"));
}

void ComputingPage::apply(const QJsonObject& preferences)
{
    m_preferences = shownPreferences(preferences);
    const QSignalBlocker blockers[] { QSignalBlocker(m_cores), QSignalBlocker(m_allButOne),
        QSignalBlocker(m_idleMinutes), QSignalBlocker(m_pauseWhenUsed), QSignalBlocker(m_throttleWhenUsed),
        QSignalBlocker(m_throttlePercent), QSignalBlocker(m_onBattery), QSignalBlocker(m_window),
        QSignalBlocker(m_windowStart), QSignalBlocker(m_windowEnd) };
    const bool allButOne = preferences.value(QLatin1String("all_but_one")).toBool();
    // pvcd knows the machine's cores best; this process's count is the fallback.
    m_maxCores = qMax(1, preferences.value(QLatin1String("max_cores")).toInt(m_maxCores));
    const int cores = preferences.value(QLatin1String("cores")).toInt(m_maxCores);
    m_cores->setMaximum(qMax(m_maxCores, cores));
    m_allButOne->setEnabled(m_maxCores > 1);
    m_cores->setValue(allButOne ? qMax(1, m_maxCores - 1) : cores);
    m_cores->setEnabled(!allButOne);
    m_allButOne->setChecked(allButOne);
    m_idleMinutes->setValue(preferences.value(QLatin1String("idle_minutes")).toInt());
    const bool throttle = preferences.value(QLatin1String("when_in_use")).toString() == QLatin1String("throttle");
    m_throttleWhenUsed->setChecked(throttle);
    m_pauseWhenUsed->setChecked(!throttle);
    m_throttlePercent->setValue(preferences.value(QLatin1String("throttle_percent")).toInt());
    m_throttlePercent->setEnabled(throttle);
    m_onBattery->setChecked(preferences.value(QLatin1String("run_on_battery")).toBool());
    const bool window = preferences.value(QLatin1String("window_enabled")).toBool();
    m_window->setChecked(window);
    m_windowStart->setTime(QTime::fromString(preferences.value(QLatin1String("window_start")).toString(), TimeFormat));
    m_windowEnd->setTime(QTime::fromString(preferences.value(QLatin1String("window_end")).toString(), TimeFormat));
    m_windowStart->setEnabled(window);
    m_windowEnd->setEnabled(window);
    updateCoresText();
}

void ComputingPage::send(const QJsonObject& changes)
{
    if (!m_available)
        return;
    m_message->hide();
    ++m_inFlight;
    m_connection->request(ipc::command::SetPreferences, changes, this, [this](const ipc::ControlReply& reply) {
        --m_inFlight;
        if (reply.ok) {
            apply(reply.result);
            m_connection->refresh();
            return;
        }
        // Show what pvcd holds, not what was refused.
        showMessage(errorText(reply.errorCode, reply.errorDetail));
        load();
    });
}

void ComputingPage::command(const QString& name, const QJsonObject& arguments)
{
    m_message->hide();
    m_connection->request(name, arguments, this, [this](const ipc::ControlReply& reply) {
        if (!reply.ok)
            showMessage(errorText(reply.errorCode, reply.errorDetail));
        m_connection->refresh();
    });
}

void ComputingPage::handleStatus(const QJsonObject& status)
{
    const QString now = StateText::computing(status);
    m_now->setText(now.isEmpty() ? tr("not available from this pvcd") : now);
    const QString reason
        = status.value(QLatin1String("computing")).toObject().value(QLatin1String("reason")).toString();
    const bool pausedByOwner = reason == QLatin1String("policy.paused_by_owner")
        || reason == QLatin1String("policy.finishing") || reason == QLatin1String("policy.finished");
    const bool computing = status.contains(QLatin1String("computing"));
    m_resumeButton->setEnabled(computing && pausedByOwner);
    m_pauseButton->setEnabled(computing && !pausedByOwner);
    m_finishButton->setEnabled(computing && !pausedByOwner);
    // Someone else (the CLI, another pvc-tray) changed the preferences: show pvcd's values.
    const QJsonObject preferences
        = status.value(QLatin1String("computing")).toObject().value(QLatin1String("preferences")).toObject();
    if (m_available && m_inFlight == 0 && !m_cores->isSliderDown() && !preferences.isEmpty()
        && shownPreferences(preferences) != m_preferences)
        apply(preferences);
}

void ComputingPage::updateCoresText()
{
    m_coresText->setText(tr("%n of %1 cores", nullptr, m_cores->value()).arg(m_maxCores));
}

void ComputingPage::showMessage(const QString& text)
{
    m_message->setText(text);
    m_message->show();
}

} // namespace pvc::app
