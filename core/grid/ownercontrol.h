#pragma once

#include "common/result.h"
#include "grid/batterysource.h"
#include "grid/idlesource.h"
#include "grid/ownerpolicy.h"

#include <QJsonObject>
#include <QObject>
#include <memory>

class QTimer;

namespace pvc::core {

// pvcd's owner policy at run time: it keeps the owner's preferences and commands (pause, finish
// then pause) in a settings file in the state directory, samples the idle and battery sources,
// and re-decides every few seconds and after every change. GridWork (core/coordinator/gridwork.h)
// applies the decision to the Work Queue worker.
class OwnerControl : public QObject {
    Q_OBJECT
public:
    static constexpr int EvaluateIntervalMs = 5000;
    static constexpr int MaxPauseMinutes = 1440;

    OwnerControl(const QString& settingsPath, QObject* parent);
    ~OwnerControl() override;

    // Seams for tests (and for the grid layer's own sources).
    void setIdleSource(std::unique_ptr<IdleSource> source);
    void setBatterySource(std::unique_ptr<BatterySource> source);
    void setClock(OwnerPolicy::Clock clock);
    void setAvailableCores(int cores);
    // Cumulative CPU seconds of grid work, so that the CPU load source does not take it for the owner.
    void setGridCpuSeconds(std::function<double()> gridCpuSeconds) { m_gridCpuSeconds = std::move(gridCpuSeconds); }

    void start();
    void evaluate();

    const OwnerPreferences& preferences() const { return m_preferences; }
    Result<OwnerPreferences> setPreferences(const QJsonObject& changes);
    Result<QDateTime> pauseFor(const QJsonValue& minutes);
    void resume();
    void finishThenPause();
    void setWorkRunning(bool running);

    const PolicyDecision& decision() const { return m_decision; }
    // The "computing" object of the status (docs/protocol.md, "Control API").
    QJsonObject statusJson() const;
    // Answers get-preferences, set-preferences, pause, resume and finish-then-pause; nullopt for any other command.
    std::optional<Result<QJsonObject>> handleCommand(const QString& command, const QJsonObject& arguments);

Q_SIGNALS:
    void stateChanged();
    // The owner changed a preference (the decision may stay the same: memory, disk).
    void preferencesChanged();

private:
    void loadCommands();
    void saveCommands();

    QString m_settingsPath;
    OwnerPreferences m_preferences;
    OwnerPolicy m_policy;
    OwnerPolicy::Clock m_clock;
    std::unique_ptr<IdleSource> m_idle;
    std::unique_ptr<BatterySource> m_battery;
    std::function<double()> m_gridCpuSeconds;
    int m_availableCores = OwnerPreferences::maxCores();
    QDateTime m_pausedUntil;
    bool m_finishRequested = false;
    bool m_workRunning = false;
    std::optional<int> m_idleSeconds;
    QString m_idleSourceName;
    bool m_onBattery = false;
    PolicyDecision m_decision;
    QTimer* m_timer;
};

} // namespace pvc::core
