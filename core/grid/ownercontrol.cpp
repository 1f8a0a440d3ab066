#include "grid/ownercontrol.h"

#include "common/logging.h"
#include "ipc/controlcommands.h"

#include <QJsonValue>
#include <QSettings>
#include <QTimer>
#include <cmath>

namespace pvc::core {

namespace {
const QLatin1String PausedUntilKey("commands/paused_until");
const QLatin1String FinishKey("commands/finish_then_pause");
} // namespace

OwnerControl::OwnerControl(const QString& settingsPath, QObject* parent)
    : QObject(parent)
    , m_settingsPath(settingsPath)
    , m_clock(&QDateTime::currentDateTime)
    , m_idle(makeDefaultIdleSource([this] { return m_gridCpuSeconds ? m_gridCpuSeconds() : 0.0; }))
    , m_battery(std::make_unique<SysfsBatterySource>())
    , m_timer(new QTimer(this))
{
    m_preferences = OwnerPreferences::load(m_settingsPath);
    loadCommands();
    m_timer->setInterval(EvaluateIntervalMs);
    connect(m_timer, &QTimer::timeout, this, &OwnerControl::evaluate);
}

OwnerControl::~OwnerControl() = default;

void OwnerControl::setIdleSource(std::unique_ptr<IdleSource> source)
{
    m_idle = std::move(source);
    evaluate();
}

void OwnerControl::setBatterySource(std::unique_ptr<BatterySource> source)
{
    m_battery = std::move(source);
    evaluate();
}

void OwnerControl::setClock(OwnerPolicy::Clock clock)
{
    m_clock = clock ? clock : OwnerPolicy::Clock(&QDateTime::currentDateTime);
    m_policy.setClock(std::move(clock));
    evaluate();
}

void OwnerControl::setAvailableCores(int cores)
{
    m_availableCores = cores;
    evaluate();
}

void OwnerControl::start()
{
    evaluate();
    m_timer->start();
}

void OwnerControl::evaluate()
{
    if (m_pausedUntil.isValid() && m_clock() >= m_pausedUntil) {
        m_pausedUntil = {};
        saveCommands();
    }
    m_idleSeconds = m_idle->idleSeconds();
    m_idleSourceName = m_idleSeconds ? m_idle->name() : QStringLiteral("none");
    m_onBattery = m_battery->onBattery();
    PolicyInputs inputs;
    inputs.preferences = m_preferences;
    inputs.availableCores = m_availableCores;
    inputs.idleSeconds = m_idleSeconds;
    inputs.onBattery = m_onBattery;
    inputs.pausedUntil = m_pausedUntil;
    inputs.finishRequested = m_finishRequested;
    inputs.workRunning = m_workRunning;
    const PolicyDecision next = m_policy.decide(inputs);
    if (next == m_decision)
        return;
    m_decision = next;
    qCInfo(lcDaemon).noquote() << QStringLiteral("computing: %1 (%2), %3 cores at %4% CPU")
                                      .arg(m_decision.stateName(), m_decision.reason)
                                      .arg(m_decision.allowedCores)
                                      .arg(m_decision.throttlePercent);
    Q_EMIT stateChanged();
}

Result<OwnerPreferences> OwnerControl::setPreferences(const QJsonObject& changes)
{
    auto changed = OwnerPreferences::fromJson(changes, m_preferences);
    if (!changed)
        return changed;
    QString error;
    if (!changed->save(m_settingsPath, &error))
        return makeError("prefs.write_failed", error);
    m_preferences = changed.value();
    Q_EMIT preferencesChanged();
    evaluate();
    return m_preferences;
}

Result<QDateTime> OwnerControl::pauseFor(const QJsonValue& minutes)
{
    const double value = minutes.toDouble(-1);
    if (!minutes.isDouble() || value < 1 || value > MaxPauseMinutes || value != std::floor(value))
        return makeError("prefs.bad_value", QStringLiteral("minutes: an integer from 1 to %1").arg(MaxPauseMinutes));
    m_pausedUntil = m_clock().addSecs(qint64(value) * 60);
    saveCommands();
    evaluate();
    return m_pausedUntil;
}

void OwnerControl::resume()
{
    m_pausedUntil = {};
    m_finishRequested = false;
    saveCommands();
    evaluate();
}

void OwnerControl::finishThenPause()
{
    m_finishRequested = true;
    saveCommands();
    evaluate();
}

void OwnerControl::setWorkRunning(bool running)
{
    m_workRunning = running;
    evaluate();
}

// A pause for an hour or "finish then stop" is the owner's word: it must hold across a restart of pvcd.
void OwnerControl::loadCommands()
{
    QSettings settings(m_settingsPath, QSettings::IniFormat);
    m_pausedUntil = QDateTime::fromString(settings.value(PausedUntilKey).toString(), Qt::ISODate);
    m_finishRequested = settings.value(FinishKey).toString() == QLatin1String("true");
}

void OwnerControl::saveCommands()
{
    QSettings settings(m_settingsPath, QSettings::IniFormat);
    if (m_pausedUntil.isValid())
        settings.setValue(PausedUntilKey, m_pausedUntil.toUTC().toString(Qt::ISODate));
    else
        settings.remove(PausedUntilKey);
    settings.setValue(FinishKey, m_finishRequested);
    settings.sync();
    if (settings.status() != QSettings::NoError)
        qCWarning(lcDaemon) << "cannot keep the owner's pause in" << m_settingsPath;
}

QJsonObject OwnerControl::statusJson() const
{
    QJsonObject status { { QStringLiteral("state"), m_decision.stateName() },
        { QStringLiteral("reason"), m_decision.reason },
        { QStringLiteral("cores"), m_preferences.effectiveCores(m_availableCores) },
        { QStringLiteral("throttle_percent"), m_decision.throttlePercent },
        { QStringLiteral("accepts_new_work"), m_decision.acceptsNewWork },
        { QStringLiteral("finish_requested"), m_finishRequested },
        { QStringLiteral("idle_seconds"), m_idleSeconds ? QJsonValue(*m_idleSeconds) : QJsonValue(QJsonValue::Null) },
        { QStringLiteral("idle_source"), m_idleSourceName }, { QStringLiteral("on_battery"), m_onBattery },
        { QStringLiteral("preferences"), m_preferences.toJson() } };
    if (m_decision.pausedUntil.isValid())
        status.insert(QStringLiteral("paused_until"), m_decision.pausedUntil.toUTC().toString(Qt::ISODate));
    return status;
}

std::optional<Result<QJsonObject>> OwnerControl::handleCommand(const QString& command, const QJsonObject& arguments)
{
    using Answer = Result<QJsonObject>;
    if (command == ipc::command::GetPreferences)
        return Answer(m_preferences.toJson());
    if (command == ipc::command::SetPreferences) {
        const auto set = setPreferences(arguments);
        return set ? Answer(set->toJson()) : Answer(set.error());
    }
    if (command == ipc::command::Pause) {
        const auto until = pauseFor(arguments.value(QLatin1String("minutes")));
        return until ? Answer(statusJson()) : Answer(until.error());
    }
    if (command == ipc::command::Resume) {
        resume();
        return Answer(statusJson());
    }
    if (command == ipc::command::FinishThenPause) {
        finishThenPause();
        return Answer(statusJson());
    }
    return std::nullopt;
}

} // namespace pvc::core
