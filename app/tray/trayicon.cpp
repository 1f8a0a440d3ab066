#include "trayicon.h"

#include "appicons.h"
#include "controlconnection.h"
#include "errortext.h"
#include "ipc/controlcommands.h"

#include <QMenu>
#include <QSystemTrayIcon>

namespace pvc::app {

TrayIcon::TrayIcon(ControlConnection* connection, QObject* parent)
    : QObject(parent)
    , m_connection(connection)
    , m_icon(new QSystemTrayIcon(this))
    , m_menu(new QMenu)
{
    // QMenu cannot have a QObject parent; the tray icon deletes it with itself.
    connect(this, &QObject::destroyed, m_menu, &QObject::deleteLater);
    m_summary = m_menu->addAction(QString());
    m_summary->setEnabled(false);
    m_menu->addSeparator();
    QAction* open = m_menu->addAction(tr("Open pvc"));
    m_menu->setDefaultAction(open);
    m_menu->addSeparator();
    m_pause = m_menu->addAction(tr("Pause for 1 hour"));
    m_resume = m_menu->addAction(tr("Resume"));
    m_finish = m_menu->addAction(tr("Finish current work, then pause"));
    m_menu->addSeparator();
    QAction* quit = m_menu->addAction(tr("Quit pvc-tray"));
    quit->setToolTip(tr("pvcd goes on running with your preferences."));
    m_icon->setContextMenu(m_menu);

    connect(open, &QAction::triggered, this, &TrayIcon::openRequested);
    connect(quit, &QAction::triggered, this, &TrayIcon::quitRequested);
    connect(m_pause, &QAction::triggered, this, [this] {
        command(ipc::command::Pause, { { QStringLiteral("minutes"), 60 } });
    });
    connect(m_resume, &QAction::triggered, this, [this] { command(ipc::command::Resume, {}); });
    connect(m_finish, &QAction::triggered, this, [this] { command(ipc::command::FinishThenPause, {}); });
    connect(m_icon, &QSystemTrayIcon::activated, this, [this](QSystemTrayIcon::ActivationReason reason) {
        if (reason == QSystemTrayIcon::Trigger || reason == QSystemTrayIcon::DoubleClick)
            Q_EMIT openRequested();
    });
    connect(connection, &ControlConnection::statusChanged, this, &TrayIcon::update);
    connect(connection, &ControlConnection::connected, this, &TrayIcon::update);
    connect(connection, &ControlConnection::disconnected, this, &TrayIcon::update);
    connect(connection, &ControlConnection::commandUnavailable, this, &TrayIcon::update);
    update();
}

void TrayIcon::show()
{
    m_icon->show();
}

void TrayIcon::update()
{
    const QJsonObject status = m_connection->status();
    const bool connected = m_connection->isConnected();
    m_state = StateText::trayState(connected, status);
    m_icon->setIcon(stateIcon(m_state));
    const QString summary = StateText::summary(connected, status);
    m_icon->setToolTip(summary);
    m_summary->setText(summary);

    const bool member = status.value(QLatin1String("state")).toString() == QLatin1String("member");
    const QString reason
        = status.value(QLatin1String("computing")).toObject().value(QLatin1String("reason")).toString();
    const bool pausedByOwner = reason == QLatin1String("policy.paused_by_owner")
        || reason == QLatin1String("policy.finishing") || reason == QLatin1String("policy.finished");
    // A pvcd without the owner's policy reports no "computing": its commands are not offered.
    const bool computing = status.contains(QLatin1String("computing"));
    const auto usable = [&](const char* command) {
        return connected && member && computing && !m_connection->isUnavailable(QString::fromLatin1(command));
    };
    m_pause->setEnabled(usable("pause") && !pausedByOwner);
    m_resume->setEnabled(usable("resume") && pausedByOwner);
    m_finish->setEnabled(usable("finish-then-pause") && !pausedByOwner);
}

void TrayIcon::command(const QString& name, const QJsonObject& arguments)
{
    m_connection->request(name, arguments, this, [this](const ipc::ControlReply& reply) {
        if (!reply.ok)
            m_icon->showMessage(tr("pvc"), errorText(reply.errorCode, reply.errorDetail), QSystemTrayIcon::Warning);
        m_connection->refresh();
    });
}

} // namespace pvc::app
