#pragma once

#include "projectinfo.h"

#include <QJsonObject>
#include <QList>
#include <QWidget>

class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;

namespace pvc::app {

class ControlConnection;

// The first-run screen: the project from the installer's bundle, a machine name and an invite token,
// then the join's progress (brokers, master, member) and its outcome in the user's words.
class JoinPage : public QWidget {
    Q_OBJECT
public:
    JoinPage(ControlConnection* connection, const ProjectInfo& project, QWidget* parent = nullptr);

Q_SIGNALS:
    // The machine became a member; the user can go on to the main window.
    void joined();
    void openRequested();

private:
    enum class Step { Idle, Brokers, Master, Member };

    void startJoin();
    void handleJoinReply(const QJsonObject& result, const QString& errorCode, const QString& errorDetail);
    void handleStatus(const QJsonObject& status);
    void handleConnectionChanged();
    void showStep(Step step, bool failed = false);
    void showError(const QString& text);
    void showMember(const QJsonObject& status);
    void setInputsEnabled(bool enabled);
    void updateProjectText(const QJsonObject& status);

    ControlConnection* m_connection;
    ProjectInfo m_project;
    bool m_joining = false; // a join request is out
    bool m_queued = false; // the master has not answered in time; pvcd keeps the request
    QLabel* m_title;
    QLabel* m_projectText;
    QLabel* m_brokersText;
    QLineEdit* m_nameEdit;
    QLineEdit* m_tokenEdit;
    QLabel* m_bundledTokenNote;
    QPushButton* m_otherTokenButton;
    QPushButton* m_joinButton;
    QList<QLabel*> m_stepMarks;
    QList<QLabel*> m_stepTexts;
    QProgressBar* m_busy;
    QLabel* m_error;
    QLabel* m_result;
    QPushButton* m_openButton;
};

} // namespace pvc::app
