#pragma once

#include <QCoreApplication>
#include <QJsonObject>
#include <QString>

namespace pvc::app {

// The six faces of the tray icon.
enum class TrayState { NotJoined, Connecting, Member, Computing, Paused, Error };

// pvcd's state codes (docs/protocol.md, status object) in the user's words. Codes stay codes on the
// wire; only this class and app/common/errortext turn them into text.
class StateText {
    Q_DECLARE_TR_FUNCTIONS(pvc::app::StateText)

public:
    static TrayState trayState(bool connected, const QJsonObject& status);
    // One line for the tray's tooltip.
    static QString summary(bool connected, const QJsonObject& status);
    // "Member", "Not joined", ... with what the host is doing with its brokers.
    static QString membership(const QJsonObject& status);
    // The owner's policy now: "Paused: the computer is in use". Empty if pvcd does not report it.
    static QString computing(const QJsonObject& status);
    // The grid's worker in words: "busy: 2 tasks running, 14 done"; empty if pvcd has none to show.
    static QString worker(const QJsonObject& status);
    static QString reason(const QString& code);
    static QString peerStatus(const QString& code);
    static QString path(const QString& path, const QString& technique);
    static int connectedBrokers(const QJsonObject& status);
};

} // namespace pvc::app
