#include "statetext.h"

#include <QDateTime>
#include <QJsonArray>
#include <QLocale>

namespace pvc::app {

namespace {
QString field(const QJsonObject& o, const char* key)
{
    return o.value(QLatin1String(key)).toString();
}

// Hours and minutes in the user's format; the C locale's short format would show seconds.
QString shortTime(const QTime& time)
{
    const QLocale locale;
    return locale.language() == QLocale::C ? time.toString(QStringLiteral("HH:mm"))
                                           : locale.toString(time, QLocale::ShortFormat);
}
} // namespace

int StateText::connectedBrokers(const QJsonObject& status)
{
    int up = 0;
    for (const QJsonValue& broker : status.value(QLatin1String("brokers")).toArray())
        up += broker.toObject().value(QLatin1String("connected")).toBool() ? 1 : 0;
    return up;
}

TrayState StateText::trayState(bool connected, const QJsonObject& status)
{
    if (!connected || status.isEmpty())
        return connected ? TrayState::Connecting : TrayState::Error;
    const QString state = field(status, "state");
    if (state == QLatin1String("revoked") || state == QLatin1String("expired"))
        return TrayState::Error;
    if (state == QLatin1String("enrolling"))
        return TrayState::Connecting;
    if (state != QLatin1String("member"))
        return TrayState::NotJoined;
    if (connectedBrokers(status) == 0)
        return TrayState::Connecting;
    const QString computing = field(status.value(QLatin1String("computing")).toObject(), "state");
    if (computing == QLatin1String("paused"))
        return TrayState::Paused;
    if (computing == QLatin1String("running") || computing == QLatin1String("throttled"))
        return TrayState::Computing;
    return TrayState::Member;
}

QString StateText::summary(bool connected, const QJsonObject& status)
{
    if (!connected)
        return tr("pvc: pvcd is not running");
    if (status.isEmpty())
        return tr("pvc: connecting to pvcd");
    const QString project = field(status.value(QLatin1String("project")).toObject(), "name");
    const QString state = field(status, "state");
    if (state == QLatin1String("revoked"))
        return tr("pvc: %1 revoked this machine").arg(project);
    if (state == QLatin1String("expired"))
        return tr("pvc: the membership in %1 expired; renewing").arg(project);
    if (state == QLatin1String("enrolling"))
        return tr("pvc: joining %1").arg(project);
    if (state != QLatin1String("member"))
        return tr("pvc: not a member of %1").arg(project);
    if (connectedBrokers(status) == 0)
        return tr("pvc: %1, reaching the brokers of %2").arg(field(status, "name"), project);
    const QString now = computing(status);
    const QString base = tr("pvc: %1 (%2) in %3").arg(field(status, "name"), field(status, "virtual_ip"), project);
    return now.isEmpty() ? base : tr("%1; %2").arg(base, now);
}

QString StateText::membership(const QJsonObject& status)
{
    const QString state = field(status, "state");
    const int brokers = int(status.value(QLatin1String("brokers")).toArray().size());
    const int up = connectedBrokers(status);
    if (state == QLatin1String("revoked"))
        return tr("Revoked by the project");
    if (state == QLatin1String("expired"))
        return tr("Membership expired: asking the project's master to renew it");
    if (state == QLatin1String("enrolling"))
        return tr("Joining: waiting for the project's master");
    if (state != QLatin1String("member"))
        return tr("Not joined");
    if (up == 0)
        return tr("Member, reaching the brokers");
    return tr("Member, connected to %n of %1 brokers", nullptr, up).arg(brokers);
}

QString StateText::computing(const QJsonObject& status)
{
    const QJsonObject computing = status.value(QLatin1String("computing")).toObject();
    if (computing.isEmpty())
        return {};
    const QString state = field(computing, "state");
    const QString code = field(computing, "reason");
    if (code == QLatin1String("policy.finishing"))
        return reason(code);
    if (state == QLatin1String("running"))
        return tr("running on %n core(s)", nullptr, computing.value(QLatin1String("cores")).toInt());
    if (state == QLatin1String("throttled"))
        return tr("throttled to %1% (%2)")
            .arg(computing.value(QLatin1String("throttle_percent")).toInt())
            .arg(reason(code));
    if (state != QLatin1String("paused"))
        return reason(code);
    if (code == QLatin1String("policy.finished"))
        return tr("paused after finishing the current work");
    if (code == QLatin1String("policy.paused_by_owner")) {
        const QDateTime until = QDateTime::fromString(field(computing, "paused_until"), Qt::ISODate);
        return until.isValid() ? tr("paused by you until %1").arg(shortTime(until.toLocalTime().time()))
                               : tr("paused by you");
    }
    return tr("paused (%1)").arg(reason(code));
}

QString StateText::worker(const QJsonObject& status)
{
    const QJsonObject worker = status.value(QLatin1String("worker")).toObject();
    if (worker.isEmpty())
        return {};
    const QString state = field(worker, "state");
    const int running = worker.value(QLatin1String("tasks_running")).toInt();
    const int done = int(worker.value(QLatin1String("tasks_done")).toInteger());
    const QString tasks = tr("%n task(s) done", nullptr, done);
    QString text;
    if (state == QLatin1String("busy"))
        text = tr("computing %n task(s)", nullptr, running) + QStringLiteral(", ") + tasks;
    else if (state == QLatin1String("idle"))
        text = tr("waiting for work") + QStringLiteral(", ") + tasks;
    else if (state == QLatin1String("connecting"))
        text = tr("connecting to the project's manager (%1)").arg(field(worker, "manager"));
    else if (state == QLatin1String("paused"))
        text = tr("paused, %n task(s) held", nullptr, running);
    else if (state == QLatin1String("finishing"))
        text = tr("finishing %n task(s)", nullptr, running);
    else
        text = tr("not running");
    const QString error = field(worker, "last_error");
    if (state == QLatin1String("stopped") && !error.isEmpty())
        text += QStringLiteral(" (") + error + QLatin1Char(')');
    return text;
}

QString StateText::reason(const QString& code)
{
    if (code == QLatin1String("policy.running"))
        return tr("the computer is idle");
    if (code == QLatin1String("policy.user_active"))
        return tr("the computer is in use");
    if (code == QLatin1String("policy.throttled_user_active"))
        return tr("the computer is in use");
    if (code == QLatin1String("policy.on_battery"))
        return tr("on battery");
    if (code == QLatin1String("policy.outside_window"))
        return tr("outside the daily time window");
    if (code == QLatin1String("policy.paused_by_owner"))
        return tr("paused by you");
    if (code == QLatin1String("policy.finishing"))
        return tr("finishing the current work, then pausing");
    if (code == QLatin1String("policy.finished"))
        return tr("the current work is finished");
    return code;
}

QString StateText::peerStatus(const QString& code)
{
    if (code == QLatin1String("authenticated"))
        return tr("Authenticated");
    if (code == QLatin1String("connecting"))
        return tr("Connecting");
    if (code == QLatin1String("offline"))
        return tr("Offline");
    if (code == QLatin1String("revoked"))
        return tr("Revoked");
    if (code == QLatin1String("rejected"))
        return tr("Rejected");
    return code;
}

QString StateText::path(const QString& path, const QString& technique)
{
    if (path == QLatin1String("relay"))
        return tr("Relayed by a broker");
    if (path == QLatin1String("probing"))
        return tr("Trying a direct path");
    if (path != QLatin1String("direct"))
        return tr("None yet");
    if (technique == QLatin1String("ttcp"))
        return tr("Direct (Traversing-TCP)");
    if (technique == QLatin1String("public"))
        return tr("Direct (public address)");
    if (technique == QLatin1String("upnp"))
        return tr("Direct (UPnP)");
    if (technique.contains(QLatin1String("punch")))
        return tr("Direct (hole punching)");
    return technique.isEmpty() ? tr("Direct") : tr("Direct (%1)").arg(technique);
}

} // namespace pvc::app
