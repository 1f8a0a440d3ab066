#include "noticebar.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>

namespace pvc::app {

NoticeBar::NoticeBar(QWidget* parent)
    : QFrame(parent)
    , m_text(new QLabel(this))
    , m_action(new QPushButton(this))
{
    setFrameShape(QFrame::StyledPanel);
    m_text->setWordWrap(true);
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(10, 6, 10, 6);
    layout->addWidget(m_text, 1);
    layout->addWidget(m_action, 0, Qt::AlignVCenter);
    connect(m_action, &QPushButton::clicked, this, &NoticeBar::actionTriggered);
    hide();
}

void NoticeBar::showNotice(Kind kind, const QString& text, const QString& action)
{
    // Fixed, light colours with dark text: readable under light and dark themes alike.
    setStyleSheet(kind == Kind::Warning
            ? QStringLiteral(
                "pvc--app--NoticeBar { background: #fef2f2; border: 1px solid #fca5a5; border-radius: 4px; }"
                "QLabel { color: #7f1d1d; }")
            : QStringLiteral(
                "pvc--app--NoticeBar { background: #eff6ff; border: 1px solid #93c5fd; border-radius: 4px; }"
                "QLabel { color: #1e3a8a; }"));
    m_text->setText(text);
    m_action->setText(action);
    m_action->setVisible(!action.isEmpty());
    show();
}

QString NoticeBar::text() const
{
    return m_text->text();
}

} // namespace pvc::app
