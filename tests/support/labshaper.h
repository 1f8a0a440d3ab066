#pragma once

#include "labnetwork.h"

#include <QList>
#include <QPair>
#include <QString>

namespace pvc::test {

// A tbf rate limit on a node's link, so that a transfer lasts long enough for something to happen under it, or
// so that a benchmark sees a home's uplink; tbf is what this kernel has (no netem). Up shapes what the node sends
// (its eth0); Both also shapes what it receives, on the far end of its link (the internet's port p-NODE for a
// public host, its router's h-NODE for a home host). Removed on destruction.
class LabShaper {
public:
    enum class Direction { Up, Both };
    // rate and burst as tc writes them: "2mbit", "32kbit".
    LabShaper(LabNetwork& lab, const QString& node, const QString& rate, Direction direction = Direction::Up,
        const QString& burst = QStringLiteral("32kbit"));
    ~LabShaper();
    LabShaper(const LabShaper&) = delete;
    LabShaper& operator=(const LabShaper&) = delete;

    bool active() const { return m_error.isEmpty(); }
    QString error() const { return m_error; }

private:
    LabNetwork& m_lab;
    QList<QPair<QString, QString>> m_shaped; // namespace node, interface
    QString m_error;
};

} // namespace pvc::test
