#pragma once

#include "projectinfo.h"

#include <QJsonObject>
#include <QList>
#include <QWidget>
#include <memory>

class QLabel;

namespace pvc::app {

class ControlConnection;

namespace Ui {
class JoinPage;
}

// The first-run screen: the project from the installer's bundle, a machine name and an invite token,
// then the join's progress (brokers, master, member) and its outcome in the user's words.
class JoinPage : public QWidget {
    Q_OBJECT
public:
    JoinPage(ControlConnection* connection, const ProjectInfo& project, QWidget* parent = nullptr);
    ~JoinPage() override;

Q_SIGNALS:
    // The machine became a member; the user can go on to the main window.
    void joined();
    void openRequested();

private:
    enum class Step { Idle, Brokers, Master, Member };

    void showBundledToken();
    void connectSignals();
    void startJoin();
    void handleJoinReply(const QJsonObject& result, const QString& errorCode, const QString& errorDetail);
    void handleStatus(const QJsonObject& status);
    void handleConnectionChanged();
    void showStep(Step step, bool failed = false);
    void showError(const QString& text);
    void showMember(const QJsonObject& status);
    void setInputsEnabled(bool enabled);
    void updateProjectText(const QJsonObject& status);

    // The widgets, laid out in joinpage.ui.
    std::unique_ptr<Ui::JoinPage> m_ui;
    ControlConnection* m_connection;
    ProjectInfo m_project;
    bool m_joining = false; // a join request is out
    bool m_queued = false; // the master has not answered in time; pvcd keeps the request
    QList<QLabel*> m_stepMarks; // brokers, master, member
    QList<QLabel*> m_stepTexts;
};

} // namespace pvc::app
