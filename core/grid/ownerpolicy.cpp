#include "grid/ownerpolicy.h"

namespace pvc::core {

QString PolicyDecision::stateName() const
{
    switch (state) {
    case State::Running:
        return QStringLiteral("running");
    case State::Throttled:
        return QStringLiteral("throttled");
    case State::Paused:
        return QStringLiteral("paused");
    }
    return {};
}

OwnerPolicy::OwnerPolicy(Clock clock)
{
    setClock(std::move(clock));
}

void OwnerPolicy::setClock(Clock clock)
{
    m_clock = clock ? std::move(clock) : Clock(&QDateTime::currentDateTime);
}

PolicyDecision OwnerPolicy::decide(const PolicyInputs& in) const
{
    const QDateTime now = m_clock();
    const OwnerPreferences& p = in.preferences;
    PolicyDecision decision;
    const auto paused = [&decision](const char* reason) {
        decision.state = PolicyDecision::State::Paused;
        decision.reason = QLatin1String(reason);
        return decision;
    };

    if (in.pausedUntil.isValid() && now < in.pausedUntil) {
        decision.pausedUntil = in.pausedUntil;
        return paused("policy.paused_by_owner");
    }
    if (in.finishRequested && !in.workRunning)
        return paused("policy.finished");
    if (in.onBattery && !p.runOnBattery)
        return paused("policy.on_battery");
    if (!p.insideWindow(now.toLocalTime().time()))
        return paused("policy.outside_window");
    // Not knowing whether the owner is there counts as being there: the machine is theirs.
    const bool inUse = p.idleMinutes > 0 && (!in.idleSeconds || *in.idleSeconds < p.idleMinutes * 60);
    if (inUse && p.whenInUse == OwnerPreferences::WhenInUse::Pause)
        return paused("policy.user_active");

    decision.allowedCores = p.effectiveCores(in.availableCores);
    decision.acceptsNewWork = !in.finishRequested;
    if (inUse) {
        decision.state = PolicyDecision::State::Throttled;
        decision.reason = QStringLiteral("policy.throttled_user_active");
        decision.throttlePercent = p.throttlePercent;
        return decision;
    }
    decision.state = PolicyDecision::State::Running;
    decision.reason = in.finishRequested ? QStringLiteral("policy.finishing") : QStringLiteral("policy.running");
    decision.throttlePercent = 100;
    return decision;
}

} // namespace pvc::core
