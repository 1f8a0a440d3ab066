#include "errortext.h"

#include <QCoreApplication>
#include <QHash>

namespace pvc::app {

QString errorText(const QString& code, const QString& detail)
{
    static const QHash<QString, const char*> texts {
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
            QT_TRANSLATE_NOOP("pvc", "None of the project's brokers can be reached. Check the network connection.") },
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
            QT_TRANSLATE_NOOP("pvc", "This machine's membership was revoked. Run 'pvc leave' before joining again.") },
        { QStringLiteral("control.unreachable"),
            QT_TRANSLATE_NOOP("pvc", "pvcd is not running (or not at this control socket).") },
        { QStringLiteral("control.timeout"), QT_TRANSLATE_NOOP("pvc", "pvcd did not answer in time.") },
        { QStringLiteral("peer.unknown"), QT_TRANSLATE_NOOP("pvc", "No member of that name is known.") },
        { QStringLiteral("peer.not_authenticated"),
            QT_TRANSLATE_NOOP("pvc", "That member is not authenticated (yet); see 'pvc peers'.") },
        { QStringLiteral("member.revoked"),
            QT_TRANSLATE_NOOP("pvc", "The project's master revoked this machine's membership.") },
        { QStringLiteral("peer.timeout"), QT_TRANSLATE_NOOP("pvc", "That member did not answer.") },
    };
    const auto it = texts.constFind(code);
    const QString text = it != texts.cend() ? QCoreApplication::translate("pvc", it.value()) : detail;
    return QStringLiteral("%1 [%2]").arg(text.isEmpty() ? code : text, code);
}

} // namespace pvc::app
