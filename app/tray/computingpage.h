#pragma once

#include <QJsonObject>
#include <QWidget>

class QCheckBox;
class QLabel;
class QPushButton;
class QRadioButton;
class QSlider;
class QSpinBox;
class QTimeEdit;

namespace pvc::app {

class ControlConnection;

// The Computing tab: the owner's preferences. pvcd stores them (they hold without the GUI) and
// applies them at once; every change here is sent with set-preferences and the form then shows what
// pvcd answered, never what was typed. With a pvcd that has no such commands, the form says so and
// stays disabled: no invented values.
class ComputingPage : public QWidget {
    Q_OBJECT
public:
    explicit ComputingPage(ControlConnection* connection, QWidget* parent = nullptr);

private:
    void load();
    void apply(const QJsonObject& preferences);
    void send(const QJsonObject& changes);
    void command(const QString& name, const QJsonObject& arguments);
    void handleStatus(const QJsonObject& status);
    void setAvailable(bool available, const QString& why = {});
    void updateCoresText();
    void showMessage(const QString& text);

    ControlConnection* m_connection;
    int m_maxCores;
    bool m_available = false;
    int m_inFlight = 0; // set-preferences requests not answered yet
    QJsonObject m_preferences; // what pvcd answered last
    QLabel* m_notice;
    QWidget* m_form;
    QSlider* m_cores;
    QLabel* m_coresText;
    QCheckBox* m_allButOne;
    QSpinBox* m_idleMinutes;
    QRadioButton* m_pauseWhenUsed;
    QRadioButton* m_throttleWhenUsed;
    QSpinBox* m_throttlePercent;
    QCheckBox* m_onBattery;
    QCheckBox* m_window;
    QTimeEdit* m_windowStart;
    QTimeEdit* m_windowEnd;
    QLabel* m_now;
    QPushButton* m_pauseButton;
    QPushButton* m_resumeButton;
    QPushButton* m_finishButton;
    QLabel* m_message;
    QCheckBox* m_autostart;
};

} // namespace pvc::app
