#pragma once

#include <QList>
#include <QString>

namespace pvc::test {

// One curve of the distribution benchmark: seconds to give the input to N workers, for each N.
struct DistributionCurve {
    QString label;
    QList<QPair<int, double>> points; // N, seconds
    unsigned colour; // 0xRRGGBB
};

// Draws the curves (and a dashed line at `idealSeconds`, one copy at the link's rate) into a PNG, the
// paper's Fig. 6 for pvc. Needs a QGuiApplication (fonts). Returns false if the file cannot be written.
bool writeDistributionPlot(
    const QString& path, const QString& title, const QList<DistributionCurve>& curves, double idealSeconds);

} // namespace pvc::test
