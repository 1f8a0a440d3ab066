#pragma once

#include <QJsonObject>
#include <QWidget>
#include <memory>

namespace pvc::app {

class ControlConnection;

namespace Ui {
class ComputingPage;
}

// The Computing tab: the owner's preferences. pvcd stores them (they hold without the GUI) and
// applies them at once; every change here is sent with set-preferences and the form then shows what
// pvcd answered, never what was typed. With a pvcd that has no such commands, the form says so and
// stays disabled: no invented values.
class ComputingPage : public QWidget {
    Q_OBJECT
public:
    explicit ComputingPage(ControlConnection* connection, QWidget* parent = nullptr);
    ~ComputingPage() override;

private:
    void connectPreferences();
    void connectCommands();
    void load();
    void apply(const QJsonObject& preferences);
    void applyData(const QJsonObject& preferences);
    void send(const QJsonObject& changes);
    void command(const QString& name, const QJsonObject& arguments);
    void handleStatus(const QJsonObject& status);
    void setAvailable(bool available, const QString& why = {});
    void updateCoresText();
    void showMessage(const QString& text);

    // The widgets, laid out in computingpage.ui.
    std::unique_ptr<Ui::ComputingPage> m_ui;
    ControlConnection* m_connection;
    int m_maxCores;
    bool m_available = false;
    int m_inFlight = 0; // set-preferences requests not answered yet
    QJsonObject m_preferences; // what pvcd answered last
};

} // namespace pvc::app
