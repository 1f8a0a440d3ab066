#include "errortext.h"

#include <QCoreApplication>
#include <QHash>

namespace pvc::app {

namespace {

// Why the owner's policy computes or not (docs/grid.md), as the status shows it.
QHash<QString, const char*> policyTexts()
{
    return {
        { QStringLiteral("policy.running"), QT_TRANSLATE_NOOP("pvc", "the owner's policy allows computing") },
        { QStringLiteral("policy.user_active"), QT_TRANSLATE_NOOP("pvc", "the computer is in use") },
        { QStringLiteral("policy.throttled_user_active"),
            QT_TRANSLATE_NOOP("pvc", "the computer is in use, so computing is slowed down") },
        { QStringLiteral("policy.on_battery"), QT_TRANSLATE_NOOP("pvc", "the computer runs on battery") },
        { QStringLiteral("policy.outside_window"),
            QT_TRANSLATE_NOOP("pvc", "outside the daily time window for computing") },
        { QStringLiteral("policy.paused_by_owner"), QT_TRANSLATE_NOOP("pvc", "paused by the owner") },
        { QStringLiteral("policy.finishing"),
            QT_TRANSLATE_NOOP("pvc", "finishing the current work, then pausing; no new work is taken") },
        { QStringLiteral("policy.finished"),
            QT_TRANSLATE_NOOP("pvc", "the current work is finished; paused until resumed") },
    };
}

// The stable error codes (docs/protocol.md) a user may meet, in their words. Codes not listed here
// are shown with pvcd's detail.
const QHash<QString, const char*>& knownTexts()
{
    static const QHash<QString, const char*> texts = [] {
        QHash<QString, const char*> all {
            { QStringLiteral("enrol.token_expired"),
                QT_TRANSLATE_NOOP("pvc", "The invite token has expired. Ask the project for a new one.") },
            { QStringLiteral("enrol.token_exhausted"),
                QT_TRANSLATE_NOOP("pvc", "The invite token has already been used up. Ask the project for a new one.") },
            { QStringLiteral("enrol.token_invalid"),
                QT_TRANSLATE_NOOP("pvc", "The invite token is not valid for this project.") },
            { QStringLiteral("enrol.token_malformed"),
                QT_TRANSLATE_NOOP("pvc", "This is not a pvc invite token (they look like pvc1-...).") },
            { QStringLiteral("enrol.name_taken"),
                QT_TRANSLATE_NOOP("pvc", "Another machine already uses this name. Choose another name.") },
            { QStringLiteral("enrol.bad_name"),
                QT_TRANSLATE_NOOP("pvc", "A machine name is 1 to 63 lowercase letters, digits and inner dashes.") },
            { QStringLiteral("enrol.revoked"),
                QT_TRANSLATE_NOOP("pvc", "This machine name has been revoked by the project.") },
            { QStringLiteral("enrol.no_broker"),
                QT_TRANSLATE_NOOP(
                    "pvc", "None of the project's brokers can be reached. Check the network connection.") },
            { QStringLiteral("enrol.timeout"),
                QT_TRANSLATE_NOOP("pvc",
                    "The project's master has not answered yet. The request stays queued; check again later with 'pvc "
                    "status'.") },
            { QStringLiteral("enrol.bad_certificate"),
                QT_TRANSLATE_NOOP(
                    "pvc", "A broker returned a certificate the project's master did not sign. It was refused.") },
            { QStringLiteral("join.already_member"),
                QT_TRANSLATE_NOOP("pvc", "This machine is already a member. Run 'pvc leave' first to join again.") },
            { QStringLiteral("join.revoked"),
                QT_TRANSLATE_NOOP(
                    "pvc", "This machine's membership was revoked. Run 'pvc leave' before joining again.") },
            { QStringLiteral("control.unreachable"),
                QT_TRANSLATE_NOOP("pvc", "pvcd is not running (or not at this control socket).") },
            { QStringLiteral("control.timeout"), QT_TRANSLATE_NOOP("pvc", "pvcd did not answer in time.") },
            { QStringLiteral("peer.unknown"), QT_TRANSLATE_NOOP("pvc", "No member of that name is known.") },
            { QStringLiteral("peer.not_authenticated"),
                QT_TRANSLATE_NOOP("pvc", "That member is not authenticated (yet); see 'pvc peers'.") },
            { QStringLiteral("member.revoked"),
                QT_TRANSLATE_NOOP("pvc", "The project's master revoked this machine's membership.") },
            { QStringLiteral("member.expired"),
                QT_TRANSLATE_NOOP("pvc",
                    "The membership certificate has expired; pvcd keeps asking the project's master to renew it.") },
            { QStringLiteral("renew.revoked"),
                QT_TRANSLATE_NOOP("pvc", "The project's master will not renew a revoked machine's membership.") },
            { QStringLiteral("renew.too_late"),
                QT_TRANSLATE_NOOP(
                    "pvc", "The membership ended too long ago to be renewed. Join again with an invite.") },
            { QStringLiteral("renew.no_master"),
                QT_TRANSLATE_NOOP("pvc", "The project's master is not online; pvcd will ask again.") },
            { QStringLiteral("peer.timeout"), QT_TRANSLATE_NOOP("pvc", "That member did not answer.") },
            { QStringLiteral("prefs.bad_value"), QT_TRANSLATE_NOOP("pvc", "That value is not allowed (%1).") },
            { QStringLiteral("prefs.write_failed"),
                QT_TRANSLATE_NOOP("pvc", "pvcd cannot save the preferences in its state directory.") },
        };
        all.insert(policyTexts());
        return all;
    }();
    return texts;
}

} // namespace

QString errorText(const QString& code, const QString& detail)
{
    const QHash<QString, const char*>& texts = knownTexts();
    const auto it = texts.constFind(code);
    QString text = it != texts.cend() ? QCoreApplication::translate("pvc", it.value()) : detail;
    if (it != texts.cend() && text.contains(QLatin1String("%1")))
        text = text.arg(detail); // the detail names what was wrong (a preference's field and its range)
    return QStringLiteral("%1 [%2]").arg(text.isEmpty() ? code : text, code);
}

} // namespace pvc::app
