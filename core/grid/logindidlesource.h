#pragma once

#include "grid/idlesource.h"

#include <QObject>

namespace pvc::core {

// systemd-logind's idle hint for this user (org.freedesktop.login1.User IdleHint and
// IdleSinceHint on /org/freedesktop/login1/user/self, over the system bus): the desktop
// environment sets it from keyboard and mouse, logind itself from a text console's activity. The
// D-Bus call is asynchronous; idleSeconds() answers from the last reply and asks again.
class LogindIdleSource : public IdleSource {
public:
    LogindIdleSource();
    ~LogindIdleSource() override;
    std::optional<int> idleSeconds() override;
    QString name() const override { return QStringLiteral("logind"); }

private:
    void refresh();

    QObject m_context; // owns the pending call's watcher
    bool m_pending = false;
    std::optional<bool> m_idleHint; // nullopt: logind did not answer
    qint64 m_idleSinceMs = 0; // wall clock, from IdleSinceHint (CLOCK_REALTIME, microseconds)
};

} // namespace pvc::core
