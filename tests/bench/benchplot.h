#pragma once

#include <QList>
#include <QObject>
#include <QPointF>
#include <QString>

namespace pvc::test {

// A benchmark's figure as a PNG (docs/benchmarks.md): lines with their points marked, optional dashed
// reference lines, a legend. Needs a QGuiApplication (fonts).
struct PlotCurve {
    QString label;
    QList<QPointF> points;
    unsigned colour; // 0xRRGGBB
    bool steps = false; // a staircase (counts over time) rather than straight segments
};

struct PlotSpec {
    QString title;
    QString xLabel;
    QString yLabel;
    QList<PlotCurve> curves;
    QList<double> xTicks; // empty: evenly spaced ticks
    double referenceY = -1; // a dashed horizontal line, if >= 0
    double referenceX = -1; // a dashed vertical line, if >= 0
    QString referenceLabel;
};

bool writePlot(const QString& path, const PlotSpec& spec);

// main() of a benchmark that plots: the offscreen platform unless one is set, a QTest function timeout of
// `timeoutMs` (one function runs every round), a QGuiApplication for the fonts, then QTest on `bench`.
int runPlottingBenchmark(int argc, char** argv, const char* timeoutMs, QObject& (*bench)());

} // namespace pvc::test
