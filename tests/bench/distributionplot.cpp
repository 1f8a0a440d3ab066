#include "distributionplot.h"

#include <QImage>
#include <QPainter>
#include <QPainterPath>
#include <algorithm>
#include <cmath>

namespace pvc::test {

namespace {
constexpr int Width = 900, Height = 560;
const QRectF Area(90, 60, 760, 410); // the plot inside the margins

double niceStep(double range)
{
    const double raw = range / 6;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    for (const double step : { 1.0, 2.0, 5.0, 10.0 })
        if (raw <= step * magnitude)
            return step * magnitude;
    return 10 * magnitude;
}

void drawAxes(QPainter& p, int maxN, double maxSeconds, double step)
{
    p.setPen(QPen(QColor(0xd1d5db), 1));
    for (double y = 0; y <= maxSeconds + 1e-9; y += step) {
        const double py = Area.bottom() - y / maxSeconds * Area.height();
        p.drawLine(QPointF(Area.left(), py), QPointF(Area.right(), py));
        p.setPen(Qt::black);
        p.drawText(QRectF(0, py - 10, Area.left() - 8, 20), Qt::AlignRight | Qt::AlignVCenter, QString::number(y));
        p.setPen(QPen(QColor(0xd1d5db), 1));
    }
    p.setPen(Qt::black);
    for (int n = 1; n <= maxN; n *= 2) {
        const double px = Area.left() + double(n - 1) / (maxN - 1) * Area.width();
        p.drawLine(QPointF(px, Area.bottom()), QPointF(px, Area.bottom() + 5));
        p.drawText(QRectF(px - 30, Area.bottom() + 8, 60, 20), Qt::AlignCenter, QString::number(n));
    }
    p.drawRect(Area);
    p.drawText(
        QRectF(Area.left(), Area.bottom() + 30, Area.width(), 20), Qt::AlignCenter, QStringLiteral("workers (N)"));
    p.save();
    p.translate(22, Area.center().y());
    p.rotate(-90);
    p.drawText(QRectF(-150, -12, 300, 24), Qt::AlignCenter, QStringLiteral("seconds until every worker has the input"));
    p.restore();
}
} // namespace

bool writeDistributionPlot(
    const QString& path, const QString& title, const QList<DistributionCurve>& curves, double idealSeconds)
{
    int maxN = 2;
    double maxSeconds = idealSeconds;
    for (const DistributionCurve& curve : curves)
        for (const auto& [n, seconds] : curve.points) {
            maxN = std::max(maxN, n);
            maxSeconds = std::max(maxSeconds, seconds);
        }
    const double step = niceStep(maxSeconds * 1.1);
    maxSeconds = std::ceil(maxSeconds * 1.1 / step) * step;
    QImage image(Width, Height, QImage::Format_RGB32);
    image.fill(Qt::white);
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    p.drawText(QRectF(0, 15, Width, 30), Qt::AlignCenter, title);
    drawAxes(p, maxN, maxSeconds, step);
    const auto at = [&](int n, double seconds) {
        return QPointF(Area.left() + double(n - 1) / (maxN - 1) * Area.width(),
            Area.bottom() - seconds / maxSeconds * Area.height());
    };
    p.setPen(QPen(QColor(0x6b7280), 1.5, Qt::DashLine));
    p.drawLine(at(1, idealSeconds), at(maxN, idealSeconds));
    QList<QPair<QString, QColor>> legend { { QStringLiteral("one copy at the link's rate"), QColor(0x6b7280) } };
    for (const DistributionCurve& curve : curves) {
        const QColor colour(QRgb(curve.colour));
        QPainterPath line;
        for (qsizetype i = 0; i < curve.points.size(); ++i)
            i == 0 ? line.moveTo(at(curve.points[i].first, curve.points[i].second))
                   : line.lineTo(at(curve.points[i].first, curve.points[i].second));
        p.setPen(QPen(colour, 2.5));
        p.drawPath(line);
        p.setBrush(colour);
        for (const auto& [n, seconds] : curve.points)
            p.drawEllipse(at(n, seconds), 4, 4);
        p.setBrush(Qt::NoBrush);
        legend.prepend({ curve.label, colour });
    }
    for (int i = 0; i < legend.size(); ++i) {
        const QPointF origin(Area.left() + 16, Area.top() + 18 + 22 * i);
        p.setPen(QPen(legend[i].second, 2.5));
        p.drawLine(origin, origin + QPointF(28, 0));
        p.setPen(Qt::black);
        p.drawText(
            QRectF(origin.x() + 36, origin.y() - 10, 500, 20), Qt::AlignLeft | Qt::AlignVCenter, legend[i].first);
    }
    p.end();
    return image.save(path, "PNG");
}

} // namespace pvc::test
