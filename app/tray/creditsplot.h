#pragma once

#include <QDate>
#include <QList>
#include <QString>
#include <QWidget>

namespace pvc::app {

// A small bar chart of credits per day, painted with QPainter (no QtCharts). With no history it
// shows a sentence saying why instead of an empty frame.
class CreditsPlot : public QWidget {
    Q_OBJECT
public:
    struct Day {
        QDate date;
        double credits = 0;
    };

    explicit CreditsPlot(QWidget* parent = nullptr);

    void setHistory(const QList<Day>& days);
    void setEmptyText(const QString& text);
    QSize minimumSizeHint() const override;
    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    QList<Day> m_days;
    QString m_emptyText;
};

} // namespace pvc::app
