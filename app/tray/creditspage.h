#pragma once

#include <QJsonObject>
#include <QWidget>

class QLabel;
class QTimer;

namespace pvc::app {

class ControlConnection;
class CreditsPlot;

// The Credits tab: what the project's master granted this computer for certified results, as pvcd
// reports it (the `credits` command): total, recent daily average, certified tasks and a plot per day.
class CreditsPage : public QWidget {
    Q_OBJECT
public:
    static constexpr int RefreshIntervalMs = 10000;

    explicit CreditsPage(ControlConnection* connection, QWidget* parent = nullptr);

protected:
    void showEvent(QShowEvent* event) override;

private:
    void load();
    void apply(const QJsonObject& credits);
    void setUnavailable(const QString& why);

    ControlConnection* m_connection;
    QTimer* m_timer;
    QLabel* m_total;
    QLabel* m_average;
    QLabel* m_tasks;
    QLabel* m_note;
    CreditsPlot* m_plot;
};

} // namespace pvc::app
