#pragma once

#include <QFrame>

class QLabel;
class QPushButton;

namespace pvc::app {

// A coloured strip across the top of the window for a state the user should know about, with at
// most one action ("Start pvcd").
class NoticeBar : public QFrame {
    Q_OBJECT
public:
    enum class Kind { Information, Warning };

    explicit NoticeBar(QWidget* parent = nullptr);

    void showNotice(Kind kind, const QString& text, const QString& action = {});
    QString text() const;

Q_SIGNALS:
    void actionTriggered();

private:
    QLabel* m_text;
    QPushButton* m_action;
};

} // namespace pvc::app
