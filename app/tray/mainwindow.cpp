#include "mainwindow.h"

#include "aboutpage.h"
#include "appicons.h"
#include "computingpage.h"
#include "controlconnection.h"
#include "creditspage.h"
#include "daemonlauncher.h"
#include "datapage.h"
#include "joinpage.h"
#include "noticebar.h"
#include "statuspage.h"

#include <QCloseEvent>
#include <QSettings>
#include <QStackedWidget>
#include <QTabWidget>
#include <QVBoxLayout>

namespace pvc::app {

MainWindow::MainWindow(
    ControlConnection* connection, DaemonLauncher* launcher, const ProjectInfo& project, QWidget* parent)
    : QMainWindow(parent)
    , m_connection(connection)
    , m_launcher(launcher)
{
    setWindowTitle(tr("pvc"));
    setWindowIcon(applicationIcon());

    m_trayNotice = new NoticeBar(this);
    m_trayNotice->setObjectName(QStringLiteral("trayNotice"));
    m_daemonNotice = new NoticeBar(this);
    m_daemonNotice->setObjectName(QStringLiteral("daemonNotice"));

    m_joinPage = new JoinPage(connection, project, this);
    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("mainTabs"));
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(new StatusPage(connection, m_tabs), tr("Status"));
    m_tabs->addTab(new ComputingPage(connection, m_tabs), tr("Computing"));
    m_tabs->addTab(new DataPage(connection, m_tabs), tr("Data"));
    m_tabs->addTab(new CreditsPage(connection, m_tabs), tr("Credits"));
    m_tabs->addTab(new AboutPage(connection->socketPath(), m_tabs), tr("About"));

    m_stack = new QStackedWidget(this);
    m_stack->addWidget(m_joinPage);
    m_stack->addWidget(m_tabs);
    // Before pvcd answers, the tabs show what little is known; the Join screen comes if it is needed.
    m_stack->setCurrentWidget(m_tabs);

    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    layout->setContentsMargins(8, 8, 8, 8);
    layout->addWidget(m_trayNotice);
    layout->addWidget(m_daemonNotice);
    layout->addWidget(m_stack, 1);
    setCentralWidget(central);

    connect(m_joinPage, &JoinPage::joined, this, [this] { m_holdJoinPage = true; });
    connect(m_joinPage, &JoinPage::openRequested, this, [this] {
        m_holdJoinPage = false;
        m_stack->setCurrentWidget(m_tabs);
        showTab(Tab::Status);
    });
    connect(connection, &ControlConnection::statusChanged, this, &MainWindow::handleStatus);
    connect(connection, &ControlConnection::connected, this, &MainWindow::updateDaemonNotice);
    connect(connection, &ControlConnection::disconnected, this, &MainWindow::updateDaemonNotice);
    if (m_launcher) {
        connect(m_launcher, &DaemonLauncher::stateChanged, this, &MainWindow::updateDaemonNotice);
        connect(m_daemonNotice, &NoticeBar::actionTriggered, m_launcher, &DaemonLauncher::launchNow);
    }

    const QByteArray geometry = QSettings().value(QStringLiteral("window/geometry")).toByteArray();
    if (geometry.isEmpty() || !restoreGeometry(geometry))
        resize(720, 560);
    handleStatus(connection->status());
    updateDaemonNotice();
}

void MainWindow::showTab(Tab tab)
{
    if (m_stack->currentWidget() == m_tabs)
        m_tabs->setCurrentIndex(int(tab));
}

bool MainWindow::isShowingJoinPage() const
{
    return m_stack->currentWidget() == m_joinPage;
}

void MainWindow::showTrayMissingNotice()
{
    m_trayNotice->showNotice(NoticeBar::Kind::Information,
        tr("This desktop has no system tray, so pvc shows this window instead. Closing it ends pvc-tray; "
           "pvcd goes on running with your preferences."));
}

void MainWindow::handleStatus(const QJsonObject& status)
{
    if (status.isEmpty() || m_holdJoinPage)
        return;
    const bool member = status.value(QLatin1String("state")).toString() == QLatin1String("member");
    m_stack->setCurrentWidget(member ? static_cast<QWidget*>(m_tabs) : m_joinPage);
}

void MainWindow::updateDaemonNotice()
{
    if (m_connection->isConnected()) {
        m_daemonNotice->hide();
        return;
    }
    const bool canStart = m_launcher && m_launcher->state() != DaemonLauncher::State::Disabled;
    if (m_launcher && m_launcher->state() == DaemonLauncher::State::Starting) {
        m_daemonNotice->showNotice(NoticeBar::Kind::Information, tr("Starting pvcd..."));
    } else if (m_launcher && m_launcher->state() == DaemonLauncher::State::Failed) {
        m_daemonNotice->showNotice(NoticeBar::Kind::Warning, m_launcher->failure(), tr("Start pvcd"));
    } else {
        m_daemonNotice->showNotice(NoticeBar::Kind::Warning,
            tr("pvcd is not running (nothing answers at %1). pvc-tray connects as soon as it starts.")
                .arg(m_connection->socketPath()),
            canStart ? tr("Start pvcd") : QString());
    }
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    QSettings().setValue(QStringLiteral("window/geometry"), saveGeometry());
    QMainWindow::closeEvent(event);
}

} // namespace pvc::app
