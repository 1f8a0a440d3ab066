#pragma once

#include "labnetwork.h"

#include <QString>

namespace pvc::test {

// A tbf rate limit on a node's uplink (eth0), so that a transfer lasts long enough for something to happen under
// it; tbf is what this kernel has (no netem). Removed on destruction.
class LabShaper {
public:
    // rate as tc writes it: "2mbit".
    LabShaper(LabNetwork& lab, const QString& node, const QString& rate);
    ~LabShaper();
    LabShaper(const LabShaper&) = delete;
    LabShaper& operator=(const LabShaper&) = delete;

    bool active() const { return m_active; }
    QString error() const { return m_error; }

private:
    LabNetwork& m_lab;
    QString m_node;
    bool m_active = false;
    QString m_error;
};

} // namespace pvc::test
