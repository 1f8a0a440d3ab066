#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QWidget>

class QLabel;
class QTableWidget;

namespace pvc::app {

class ControlConnection;

// The Status tab: this computer (name, virtual IP, live state), its brokers and the other members
// with the path and round-trip time to each, refreshed with every poll of pvcd.
class StatusPage : public QWidget {
    Q_OBJECT
public:
    explicit StatusPage(ControlConnection* connection, QWidget* parent = nullptr);

private:
    static QString certificateText(const QJsonObject& status);
    void handleStatus(const QJsonObject& status);
    void handlePeers(const QJsonArray& peers);
    void handleDisconnected();
    void clear(const QString& state);

    ControlConnection* m_connection;
    QLabel* m_state;
    QLabel* m_name;
    QLabel* m_address;
    QLabel* m_project;
    QLabel* m_certificate;
    QLabel* m_computing;
    QLabel* m_worker;
    QLabel* m_errorTitle;
    QLabel* m_error;
    QWidget* m_brokersGroup;
    QTableWidget* m_brokers;
    QTableWidget* m_peers;
    QLabel* m_noPeers;
};

} // namespace pvc::app
