#pragma once

#include "grid/ownerpreferences.h"

#include <QDateTime>
#include <QString>
#include <functional>
#include <optional>

namespace pvc::core {

// Everything the owner's policy depends on, besides the time.
struct PolicyInputs {
    OwnerPreferences preferences;
    int availableCores = OwnerPreferences::maxCores();
    std::optional<int> idleSeconds; // nullopt: no idle source could tell
    bool onBattery = false;
    QDateTime pausedUntil; // invalid: no manual pause
    bool finishRequested = false; // "finish current work, then stop"
    bool workRunning = false;
};

// What the grid may do now, and why: the reason is a stable code ("policy.user_active") that the
// control API carries and only app/ turns into words.
struct PolicyDecision {
    enum class State { Running, Throttled, Paused };

    State state = State::Paused;
    QString reason;
    int allowedCores = 0; // 0 while paused
    int throttlePercent = 0; // CPU share allowed: 100 running, the preference throttled, 0 paused
    bool acceptsNewWork = false; // false while finishing: running work goes on, nothing new starts
    QDateTime pausedUntil; // with policy.paused_by_owner

    QString stateName() const;
    bool operator==(const PolicyDecision&) const = default;
};

// The owner's policy (DESIGN.md, "Owner's policy"): a pure function of its inputs and the clock.
// The owner's own commands come first (a manual pause, a finished "finish then pause"), then what
// the owner set once (battery, the daily window), then whether the owner is at the machine.
class OwnerPolicy {
public:
    using Clock = std::function<QDateTime()>;

    explicit OwnerPolicy(Clock clock = {});
    void setClock(Clock clock);
    QDateTime now() const { return m_clock(); }
    PolicyDecision decide(const PolicyInputs& inputs) const;

private:
    Clock m_clock;
};

} // namespace pvc::core
