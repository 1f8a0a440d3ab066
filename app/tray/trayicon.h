#pragma once

#include "statetext.h"

#include <QJsonObject>
#include <QObject>

class QAction;
class QMenu;
class QSystemTrayIcon;

namespace pvc::app {

class ControlConnection;

// The icon in the system tray: one of six icons for the state, a one-line tooltip, and a menu to open
// the window, pause, resume, finish the current work then pause, and quit.
class TrayIcon : public QObject {
    Q_OBJECT
public:
    TrayIcon(ControlConnection* connection, QObject* parent);

    void show();
    TrayState state() const { return m_state; }
    QMenu* menu() const { return m_menu; }

Q_SIGNALS:
    void openRequested();
    void quitRequested();

private:
    void update();
    void command(const QString& name, const QJsonObject& arguments);

    ControlConnection* m_connection;
    QSystemTrayIcon* m_icon;
    QMenu* m_menu;
    QAction* m_summary;
    QAction* m_pause;
    QAction* m_resume;
    QAction* m_finish;
    TrayState m_state = TrayState::Error;
};

} // namespace pvc::app
