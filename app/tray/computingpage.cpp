#include "computingpage.h"

#include "autostart.h"
#include "controlconnection.h"
#include "errortext.h"
#include "ipc/controlcommands.h"
#include "statetext.h"
#include "ui_computingpage.h"

#include <QSignalBlocker>
#include <QThread>
#include <QTime>

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
             "run_on_battery", "window_enabled", "window_start", "window_end", "memory_percent", "memory_mb", "disk_gb",
             "upload_kibps", "download_kibps", "cache_mb", "seed_when_paused" })
        if (preferences.contains(QLatin1String(name)))
            shown.insert(key(name), preferences.value(QLatin1String(name)));
    return shown;
}
} // namespace

ComputingPage::ComputingPage(ControlConnection* connection, QWidget* parent)
    : QWidget(parent)
    , m_ui(std::make_unique<Ui::ComputingPage>())
    , m_connection(connection)
    , m_maxCores(qMax(1, QThread::idealThreadCount()))
{
    m_ui->setupUi(this);
    // What the form cannot know: this machine's cores, and room for the widest "N of M cores".
    m_ui->coresSlider->setMaximum(m_maxCores);
    m_ui->coresText->setMinimumWidth(fontMetrics().horizontalAdvance(tr("%n of %1 cores", nullptr, 88).arg(88)) + 8);
    m_ui->allButOneCheck->setEnabled(m_maxCores > 1);
    m_ui->computingMessage->hide();
    m_ui->autostartCheck->setChecked(autostart::isEnabled());
    connectPreferences();
    connectCommands();

    connect(connection, &ControlConnection::connected, this, &ComputingPage::load);
    connect(connection, &ControlConnection::disconnected, this,
        [this] { setAvailable(false, tr("pvcd is not running: the preferences it stores cannot be shown.")); });
    connect(connection, &ControlConnection::statusChanged, this, &ComputingPage::handleStatus);
    setAvailable(false, tr("Asking pvcd for the preferences..."));
    if (connection->isConnected())
        load();
}

ComputingPage::~ComputingPage() = default;

// Every change is sent at once; apply() blocks these signals while it shows pvcd's answer.
void ComputingPage::connectPreferences()
{
    Ui::ComputingPage& ui = *m_ui;
    connect(ui.coresSlider, &QSlider::valueChanged, this, [this](int value) {
        updateCoresText();
        if (!m_ui->coresSlider->isSliderDown())
            send({ { key("cores"), value } });
    });
    connect(ui.coresSlider, &QSlider::sliderReleased, this, [this] {
        send({ { key("cores"), m_ui->coresSlider->value() } });
    });
    connect(ui.allButOneCheck, &QCheckBox::toggled, this, [this](bool on) { send({ { key("all_but_one"), on } }); });
    connect(ui.idleMinutesSpin, &QSpinBox::valueChanged, this, [this](int value) {
        send({ { key("idle_minutes"), value } });
    });
    connect(ui.pauseWhenUsedRadio, &QRadioButton::toggled, this, [this](bool on) {
        if (on)
            send({ { key("when_in_use"), QStringLiteral("pause") } });
    });
    connect(ui.throttleWhenUsedRadio, &QRadioButton::toggled, this, [this](bool on) {
        if (on)
            send({ { key("when_in_use"), QStringLiteral("throttle") } });
    });
    connect(ui.throttlePercentSpin, &QSpinBox::valueChanged, this, [this](int value) {
        send({ { key("throttle_percent"), value } });
    });
    connect(ui.memoryPercentSpin, &QSpinBox::valueChanged, this, [this](int value) {
        send({ { key("memory_percent"), value } });
    });
    connect(ui.diskGbSpin, &QSpinBox::valueChanged, this, [this](int value) { send({ { key("disk_gb"), value } }); });
    connect(ui.uploadSpin, &QSpinBox::valueChanged, this, [this](int value) {
        send({ { key("upload_kibps"), value } });
    });
    connect(ui.downloadSpin, &QSpinBox::valueChanged, this, [this](int value) {
        send({ { key("download_kibps"), value } });
    });
    connect(ui.cacheMbSpin, &QSpinBox::valueChanged, this, [this](int value) { send({ { key("cache_mb"), value } }); });
    connect(ui.seedWhenPausedCheck, &QCheckBox::toggled, this, [this](bool on) {
        send({ { key("seed_when_paused"), on } });
    });
    connect(ui.onBatteryCheck, &QCheckBox::toggled, this, [this](bool on) { send({ { key("run_on_battery"), on } }); });
    connect(ui.windowCheck, &QCheckBox::toggled, this, [this](bool on) { send({ { key("window_enabled"), on } }); });
    connect(ui.windowStartEdit, &QTimeEdit::timeChanged, this, [this](QTime time) {
        send({ { key("window_start"), time.toString(TimeFormat) } });
    });
    connect(ui.windowEndEdit, &QTimeEdit::timeChanged, this, [this](QTime time) {
        send({ { key("window_end"), time.toString(TimeFormat) } });
    });
}

void ComputingPage::connectCommands()
{
    connect(m_ui->pauseButton, &QPushButton::clicked, this, [this] {
        command(ipc::command::Pause, { { key("minutes"), 60 } });
    });
    connect(m_ui->resumeButton, &QPushButton::clicked, this, [this] { command(ipc::command::Resume, {}); });
    connect(m_ui->finishButton, &QPushButton::clicked, this, [this] { command(ipc::command::FinishThenPause, {}); });
    connect(m_ui->autostartCheck, &QCheckBox::toggled, this, [this](bool on) {
        QString error;
        if (!autostart::setEnabled(on, &error))
            showMessage(error);
        const QSignalBlocker blocker(m_ui->autostartCheck);
        m_ui->autostartCheck->setChecked(autostart::isEnabled());
    });
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
    m_ui->form->setEnabled(available);
    m_ui->computingNotice->setText(why);
    m_ui->computingNotice->setVisible(!available);
    if (!available)
        m_ui->computingNowLabel->setText(tr("not available from this pvcd"));
}

void ComputingPage::apply(const QJsonObject& preferences)
{
    m_preferences = shownPreferences(preferences);
    const QSignalBlocker blockers[] { QSignalBlocker(m_ui->coresSlider), QSignalBlocker(m_ui->allButOneCheck),
        QSignalBlocker(m_ui->idleMinutesSpin), QSignalBlocker(m_ui->pauseWhenUsedRadio),
        QSignalBlocker(m_ui->throttleWhenUsedRadio), QSignalBlocker(m_ui->throttlePercentSpin),
        QSignalBlocker(m_ui->onBatteryCheck), QSignalBlocker(m_ui->windowCheck), QSignalBlocker(m_ui->windowStartEdit),
        QSignalBlocker(m_ui->windowEndEdit), QSignalBlocker(m_ui->memoryPercentSpin),
        QSignalBlocker(m_ui->diskGbSpin) };
    const bool allButOne = preferences.value(QLatin1String("all_but_one")).toBool();
    // pvcd knows the machine's cores best; this process's count is the fallback.
    m_maxCores = qMax(1, preferences.value(QLatin1String("max_cores")).toInt(m_maxCores));
    const int cores = preferences.value(QLatin1String("cores")).toInt(m_maxCores);
    m_ui->coresSlider->setMaximum(qMax(m_maxCores, cores));
    m_ui->allButOneCheck->setEnabled(m_maxCores > 1);
    m_ui->coresSlider->setValue(allButOne ? qMax(1, m_maxCores - 1) : cores);
    m_ui->coresSlider->setEnabled(!allButOne);
    m_ui->allButOneCheck->setChecked(allButOne);
    m_ui->idleMinutesSpin->setValue(preferences.value(QLatin1String("idle_minutes")).toInt());
    const bool throttle = preferences.value(QLatin1String("when_in_use")).toString() == QLatin1String("throttle");
    m_ui->throttleWhenUsedRadio->setChecked(throttle);
    m_ui->pauseWhenUsedRadio->setChecked(!throttle);
    m_ui->throttlePercentSpin->setValue(preferences.value(QLatin1String("throttle_percent")).toInt());
    m_ui->throttlePercentSpin->setEnabled(throttle);
    m_ui->onBatteryCheck->setChecked(preferences.value(QLatin1String("run_on_battery")).toBool());
    const bool window = preferences.value(QLatin1String("window_enabled")).toBool();
    m_ui->windowCheck->setChecked(window);
    m_ui->windowStartEdit->setTime(
        QTime::fromString(preferences.value(QLatin1String("window_start")).toString(), TimeFormat));
    m_ui->windowEndEdit->setTime(
        QTime::fromString(preferences.value(QLatin1String("window_end")).toString(), TimeFormat));
    m_ui->windowStartEdit->setEnabled(window);
    m_ui->windowEndEdit->setEnabled(window);
    m_ui->memoryPercentSpin->setValue(preferences.value(QLatin1String("memory_percent")).toInt(50));
    const qint64 memoryMb = preferences.value(QLatin1String("memory_mb")).toInteger();
    m_ui->memoryText->setText(memoryMb > 0 ? tr("(%1 GB)").arg(double(memoryMb) / 1024.0, 0, 'f', 1) : QString());
    m_ui->diskGbSpin->setValue(preferences.value(QLatin1String("disk_gb")).toInt(10));
    applyData(preferences);
    updateCoresText();
}

void ComputingPage::applyData(const QJsonObject& preferences)
{
    const QSignalBlocker blockers[] { QSignalBlocker(m_ui->uploadSpin), QSignalBlocker(m_ui->downloadSpin),
        QSignalBlocker(m_ui->cacheMbSpin), QSignalBlocker(m_ui->seedWhenPausedCheck) };
    // An older pvcd has no data preferences: the group stays, disabled, rather than showing invented values.
    m_ui->dataGroup->setEnabled(preferences.contains(QLatin1String("cache_mb")));
    m_ui->uploadSpin->setValue(preferences.value(QLatin1String("upload_kibps")).toInt());
    m_ui->downloadSpin->setValue(preferences.value(QLatin1String("download_kibps")).toInt());
    m_ui->cacheMbSpin->setValue(preferences.value(QLatin1String("cache_mb")).toInt(m_ui->cacheMbSpin->minimum()));
    m_ui->seedWhenPausedCheck->setChecked(preferences.value(QLatin1String("seed_when_paused")).toBool(true));
}

void ComputingPage::send(const QJsonObject& changes)
{
    if (!m_available)
        return;
    m_ui->computingMessage->hide();
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
    m_ui->computingMessage->hide();
    m_connection->request(name, arguments, this, [this](const ipc::ControlReply& reply) {
        if (!reply.ok)
            showMessage(errorText(reply.errorCode, reply.errorDetail));
        m_connection->refresh();
    });
}

void ComputingPage::handleStatus(const QJsonObject& status)
{
    const QString now = StateText::computing(status);
    m_ui->computingNowLabel->setText(now.isEmpty() ? tr("not available from this pvcd") : now);
    const QString worker = StateText::worker(status);
    m_ui->workerNowLabel->setText(worker.isEmpty() ? QString() : tr("Worker: %1").arg(worker));
    m_ui->workerNowLabel->setVisible(!worker.isEmpty());
    const QString reason
        = status.value(QLatin1String("computing")).toObject().value(QLatin1String("reason")).toString();
    const bool pausedByOwner = reason == QLatin1String("policy.paused_by_owner")
        || reason == QLatin1String("policy.finishing") || reason == QLatin1String("policy.finished");
    const bool computing = status.contains(QLatin1String("computing"));
    m_ui->resumeButton->setEnabled(computing && pausedByOwner);
    m_ui->pauseButton->setEnabled(computing && !pausedByOwner);
    m_ui->finishButton->setEnabled(computing && !pausedByOwner);
    // Someone else (the CLI, another pvc-tray) changed the preferences: show pvcd's values.
    const QJsonObject preferences
        = status.value(QLatin1String("computing")).toObject().value(QLatin1String("preferences")).toObject();
    if (m_available && m_inFlight == 0 && !m_ui->coresSlider->isSliderDown() && !preferences.isEmpty()
        && shownPreferences(preferences) != m_preferences)
        apply(preferences);
}

void ComputingPage::updateCoresText()
{
    m_ui->coresText->setText(tr("%n of %1 cores", nullptr, m_ui->coresSlider->value()).arg(m_maxCores));
}

void ComputingPage::showMessage(const QString& text)
{
    m_ui->computingMessage->setText(text);
    m_ui->computingMessage->show();
}

} // namespace pvc::app
