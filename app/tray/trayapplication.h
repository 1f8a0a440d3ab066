#pragma once

#include <QObject>
#include <QString>
#include <QStringList>

namespace pvc::app {

class ControlConnection;
class DaemonLauncher;
class MainWindow;
class TrayIcon;

// Puts pvc-tray together: the connection to pvcd, the launcher that starts pvcd when it is not
// running, the main window and the tray icon (or the window alone where there is no tray).
class TrayApplication : public QObject {
    Q_OBJECT
public:
    struct Options {
        QString controlPath;
        QString projectFile; // empty: the default search
        bool startDaemon = true;
        bool minimized = false; // start in the tray only (used by the autostart entry)
    };

    // Parses the command line; --help and --version print and exit, as QCommandLineParser does.
    static Options parseOptions(const QStringList& arguments);

    explicit TrayApplication(const Options& options, QObject* parent = nullptr);
    ~TrayApplication() override;

    void showWindow();

private:
    ControlConnection* m_connection;
    DaemonLauncher* m_launcher;
    MainWindow* m_window;
    TrayIcon* m_tray = nullptr;
    bool m_sawStatus = false;
};

} // namespace pvc::app
