#include "creditsplot.h"

#include <QLocale>
#include <QPainter>
#include <cmath>

namespace pvc::app {

namespace {
// A round upper bound for the axis: 1, 2 or 5 times a power of ten.
double niceCeiling(double value)
{
    if (value <= 0)
        return 1;
    const double magnitude = std::pow(10.0, std::floor(std::log10(value)));
    for (const double step : { 1.0, 2.0, 5.0, 10.0 })
        if (value <= step * magnitude)
            return step * magnitude;
    return 10 * magnitude;
}
} // namespace

CreditsPlot::CreditsPlot(QWidget* parent)
    : QWidget(parent)
{
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
}

void CreditsPlot::setHistory(const QList<Day>& days)
{
    m_days = days;
    update();
}

void CreditsPlot::setEmptyText(const QString& text)
{
    m_emptyText = text;
    update();
}

QSize CreditsPlot::minimumSizeHint() const
{
    return { 280, 240 };
}

QSize CreditsPlot::sizeHint() const
{
    return { 480, 240 };
}

void CreditsPlot::paintEvent(QPaintEvent*)
{
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    const QPalette& pal = palette();
    const QRectF frame = QRectF(rect()).adjusted(0.5, 0.5, -0.5, -0.5);
    painter.setPen(pal.color(QPalette::Mid));
    painter.setBrush(pal.color(QPalette::Base));
    painter.drawRoundedRect(frame, 4, 4);

    if (m_days.isEmpty()) {
        painter.setPen(pal.color(QPalette::PlaceholderText));
        const int margin = qMax(16, width() / 8);
        painter.drawText(rect().adjusted(margin, 8, -margin, -8), Qt::AlignCenter | Qt::TextWordWrap, m_emptyText);
        return;
    }

    double highest = 0;
    for (const Day& day : std::as_const(m_days))
        highest = qMax(highest, day.credits);
    const double top = niceCeiling(highest);
    const QLocale locale;
    const QFontMetrics metrics = fontMetrics();
    const QString topLabel = locale.toString(top, 'g', 6);
    const int left = 10 + qMax(metrics.horizontalAdvance(topLabel), metrics.horizontalAdvance(QLatin1Char('0')));
    const QRectF plot = QRectF(rect()).adjusted(left + 6, 10, -10, -(metrics.height() + 10));

    // Axis, grid line at the top value, and the two labels that give the scale.
    painter.setPen(pal.color(QPalette::Mid));
    painter.drawLine(plot.bottomLeft(), plot.bottomRight());
    painter.setPen(QPen(pal.color(QPalette::Midlight), 1, Qt::DashLine));
    painter.drawLine(plot.topLeft(), plot.topRight());
    painter.setPen(pal.color(QPalette::Text));
    painter.drawText(QRectF(0, plot.top() - metrics.height() / 2.0, left, metrics.height()),
        Qt::AlignRight | Qt::AlignVCenter, topLabel);
    painter.drawText(QRectF(0, plot.bottom() - metrics.height() / 2.0, left, metrics.height()),
        Qt::AlignRight | Qt::AlignVCenter, QStringLiteral("0"));

    const double slot = plot.width() / m_days.size();
    const double barWidth = qMax(1.0, slot * 0.7);
    painter.setPen(Qt::NoPen);
    painter.setBrush(pal.color(QPalette::Highlight));
    for (int i = 0; i < m_days.size(); ++i) {
        const double height = plot.height() * m_days.at(i).credits / top;
        painter.drawRect(
            QRectF(plot.left() + i * slot + (slot - barWidth) / 2, plot.bottom() - height, barWidth, height));
    }

    painter.setPen(pal.color(QPalette::Text));
    const QRectF dates(plot.left(), plot.bottom() + 4, plot.width(), metrics.height());
    painter.drawText(dates, Qt::AlignLeft | Qt::AlignTop, locale.toString(m_days.first().date, QLocale::ShortFormat));
    if (m_days.size() > 1)
        painter.drawText(
            dates, Qt::AlignRight | Qt::AlignTop, locale.toString(m_days.last().date, QLocale::ShortFormat));
}

} // namespace pvc::app
