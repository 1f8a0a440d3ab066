#pragma once

#include "projectinfo.h"

#include <QJsonObject>
#include <QMainWindow>

class QStackedWidget;
class QTabWidget;

namespace pvc::app {

class ControlConnection;
class DaemonLauncher;
class JoinPage;
class NoticeBar;

// The main window: the Join screen until this computer is a member, then the Status, Computing,
// Credits and About tabs. A strip at the top says when pvcd is not running or there is no tray.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    enum class Tab { Status, Computing, Data, Credits, About };

    // `launcher` may be null (tests, --no-start-daemon).
    MainWindow(
        ControlConnection* connection, DaemonLauncher* launcher, const ProjectInfo& project, QWidget* parent = nullptr);

    void showTab(Tab tab);
    // There is no system tray: say so, and let closing the window end the program.
    void showTrayMissingNotice();
    bool isShowingJoinPage() const;

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void handleStatus(const QJsonObject& status);
    void updateDaemonNotice();

    ControlConnection* m_connection;
    DaemonLauncher* m_launcher;
    NoticeBar* m_trayNotice;
    NoticeBar* m_daemonNotice;
    QStackedWidget* m_stack;
    JoinPage* m_joinPage;
    QTabWidget* m_tabs;
    bool m_holdJoinPage = false; // the join just succeeded: leave its result up until "Open pvc"
};

} // namespace pvc::app
