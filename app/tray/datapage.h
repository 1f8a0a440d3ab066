#pragma once

#include <QJsonObject>
#include <QWidget>

class QLabel;
class QTreeWidget;

namespace pvc::app {

class ControlConnection;

// The Data tab: what pvcd's BitTorrent session holds (docs/data.md), from the `data` object of the
// status: every transfer with its state, progress, rates and peers, the cache's use against the
// owner's cap, and the totals sent and received. The data preferences are on the Computing tab.
class DataPage : public QWidget {
    Q_OBJECT
public:
    explicit DataPage(ControlConnection* connection, QWidget* parent = nullptr);

private:
    void handleStatus(const QJsonObject& status);
    void showTransfers(const QJsonObject& data);
    QString summary(const QJsonObject& data, const QJsonObject& preferences) const;

    QLabel* m_notice;
    QLabel* m_summary;
    QTreeWidget* m_transfers;
    QLabel* m_empty;
};

} // namespace pvc::app
