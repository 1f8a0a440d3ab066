#include "grid/logindidlesource.h"

#include <QDBusConnection>
#include <QDBusMessage>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#include <QDateTime>
#include <QVariantMap>

namespace pvc::core {

namespace {
constexpr int CallTimeoutMs = 2000;
}

LogindIdleSource::LogindIdleSource()
{
    refresh();
}

LogindIdleSource::~LogindIdleSource() = default;

void LogindIdleSource::refresh()
{
    QDBusConnection bus = QDBusConnection::systemBus();
    if (m_pending || !bus.isConnected())
        return;
    QDBusMessage call = QDBusMessage::createMethodCall(QStringLiteral("org.freedesktop.login1"),
        QStringLiteral("/org/freedesktop/login1/user/self"), QStringLiteral("org.freedesktop.DBus.Properties"),
        QStringLiteral("GetAll"));
    call << QStringLiteral("org.freedesktop.login1.User");
    m_pending = true;
    auto* watcher = new QDBusPendingCallWatcher(bus.asyncCall(call, CallTimeoutMs), &m_context);
    QObject::connect(watcher, &QDBusPendingCallWatcher::finished, &m_context, [this](QDBusPendingCallWatcher* w) {
        w->deleteLater();
        m_pending = false;
        const QDBusPendingReply<QVariantMap> reply = *w;
        const QVariantMap properties = reply.isValid() ? reply.value() : QVariantMap();
        if (!properties.contains(QStringLiteral("IdleHint"))) {
            m_idleHint.reset();
            return;
        }
        const bool idle = properties.value(QStringLiteral("IdleHint")).toBool();
        const qint64 sinceMs = qint64(properties.value(QStringLiteral("IdleSinceHint")).toULongLong() / 1000);
        // Without a time logind gives none: count from the first reply that saw the machine idle.
        if (idle && (!m_idleHint || !*m_idleHint || sinceMs > 0))
            m_idleSinceMs = sinceMs > 0 ? sinceMs : QDateTime::currentMSecsSinceEpoch();
        m_idleHint = idle;
    });
}

std::optional<int> LogindIdleSource::idleSeconds()
{
    refresh();
    if (!m_idleHint)
        return std::nullopt;
    if (!*m_idleHint)
        return 0;
    return int(std::max<qint64>(0, (QDateTime::currentMSecsSinceEpoch() - m_idleSinceMs) / 1000));
}

} // namespace pvc::core
