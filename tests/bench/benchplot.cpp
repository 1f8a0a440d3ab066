#include "benchplot.h"

#include <QGuiApplication>
#include <QImage>
#include <QPainter>
#include <QPainterPath>
#include <QTest>
#include <algorithm>
#include <cmath>

namespace pvc::test {

namespace {
constexpr int Width = 900, Height = 560;
const QRectF Area(90, 60, 760, 410);

double niceStep(double range)
{
    const double raw = std::max(range, 1e-9) / 6;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    for (const double step : { 1.0, 2.0, 5.0, 10.0 })
        if (raw <= step * magnitude)
            return step * magnitude;
    return 10 * magnitude;
}

struct Scale {
    double maxX, maxY;
    QPointF at(double x, double y) const
    {
        return QPointF(Area.left() + x / maxX * Area.width(), Area.bottom() - y / maxY * Area.height());
    }
};

void drawGrid(QPainter& p, const PlotSpec& spec, const Scale& s)
{
    const double yStep = niceStep(s.maxY);
    for (double y = 0; y <= s.maxY + 1e-9; y += yStep) {
        p.setPen(QPen(QColor(0xd1d5db), 1));
        p.drawLine(s.at(0, y), s.at(s.maxX, y));
        p.setPen(Qt::black);
        p.drawText(
            QRectF(0, s.at(0, y).y() - 10, Area.left() - 8, 20), Qt::AlignRight | Qt::AlignVCenter, QString::number(y));
    }
    QList<double> ticks = spec.xTicks;
    if (ticks.isEmpty())
        for (double x = 0; x <= s.maxX + 1e-9; x += niceStep(s.maxX))
            ticks.append(x);
    for (const double x : std::as_const(ticks)) {
        const QPointF base = s.at(x, 0);
        p.drawLine(base, base + QPointF(0, 5));
        p.drawText(QRectF(base.x() - 30, base.y() + 8, 60, 20), Qt::AlignCenter, QString::number(x));
    }
    p.drawRect(Area);
    p.drawText(QRectF(Area.left(), Area.bottom() + 30, Area.width(), 20), Qt::AlignCenter, spec.xLabel);
    p.save();
    p.translate(22, Area.center().y());
    p.rotate(-90);
    p.drawText(QRectF(-200, -12, 400, 24), Qt::AlignCenter, spec.yLabel);
    p.restore();
}

void drawCurve(QPainter& p, const PlotCurve& curve, const Scale& s)
{
    const QColor colour(QRgb(curve.colour));
    QPainterPath line;
    for (qsizetype i = 0; i < curve.points.size(); ++i) {
        const QPointF point = s.at(curve.points[i].x(), curve.points[i].y());
        if (i == 0)
            line.moveTo(point);
        else if (curve.steps)
            line.lineTo(QPointF(point.x(), line.currentPosition().y())), line.lineTo(point);
        else
            line.lineTo(point);
    }
    p.setPen(QPen(colour, 2.5));
    p.drawPath(line);
    p.setBrush(colour);
    for (const QPointF& point : curve.points)
        p.drawEllipse(s.at(point.x(), point.y()), 4, 4);
    p.setBrush(Qt::NoBrush);
}
} // namespace

bool writePlot(const QString& path, const PlotSpec& spec)
{
    Scale s { std::max(1.0, spec.referenceX), std::max(1.0, spec.referenceY) };
    for (const PlotCurve& curve : spec.curves)
        for (const QPointF& point : curve.points) {
            s.maxX = std::max(s.maxX, point.x());
            s.maxY = std::max(s.maxY, point.y());
        }
    for (const double x : spec.xTicks)
        s.maxX = std::max(s.maxX, x);
    s.maxX = std::ceil(s.maxX * 1.05 / niceStep(s.maxX)) * niceStep(s.maxX);
    s.maxY = std::ceil(s.maxY * 1.1 / niceStep(s.maxY * 1.1)) * niceStep(s.maxY * 1.1);
    QImage image(Width, Height, QImage::Format_RGB32);
    image.fill(Qt::white);
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    p.drawText(QRectF(0, 15, Width, 30), Qt::AlignCenter, spec.title);
    drawGrid(p, spec, s);
    p.setPen(QPen(QColor(0x6b7280), 1.5, Qt::DashLine));
    if (spec.referenceY >= 0)
        p.drawLine(s.at(0, spec.referenceY), s.at(s.maxX, spec.referenceY));
    if (spec.referenceX >= 0)
        p.drawLine(s.at(spec.referenceX, 0), s.at(spec.referenceX, s.maxY));
    QList<QPair<QString, QColor>> legend;
    for (const PlotCurve& curve : spec.curves) {
        drawCurve(p, curve, s);
        legend.append({ curve.label, QColor(QRgb(curve.colour)) });
    }
    if (!spec.referenceLabel.isEmpty())
        legend.append({ spec.referenceLabel, QColor(0x6b7280) });
    for (int i = 0; i < legend.size(); ++i) {
        const QPointF origin(Area.left() + 16, Area.top() + 18 + 22 * i);
        p.setPen(QPen(legend[i].second, 2.5));
        p.drawLine(origin, origin + QPointF(28, 0));
        p.setPen(Qt::black);
        p.drawText(
            QRectF(origin.x() + 36, origin.y() - 10, 600, 20), Qt::AlignLeft | Qt::AlignVCenter, legend[i].first);
    }
    p.end();
    return image.save(path, "PNG");
}

int runPlottingBenchmark(int argc, char** argv, const char* timeoutMs, QObject& (*bench)())
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    if (qEnvironmentVariableIsEmpty("QTEST_FUNCTION_TIMEOUT"))
        qputenv("QTEST_FUNCTION_TIMEOUT", timeoutMs);
    QGuiApplication app(argc, argv);
    return QTest::qExec(&bench(), argc, argv);
}

} // namespace pvc::test
