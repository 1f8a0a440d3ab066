#pragma once

#include "labnetwork.h"

#include <QString>

namespace pvc::test {

// Cuts the lab internet between two addresses: every packet from one to the other, both ways, is dropped in the
// internet namespace, by a table named `pvcnat` in two families. The `bridge` table catches what br0 bridges (public
// hosts and router WANs talking to each other); an `inet` table would never see those frames, since
// bridge-nf-call-* is 0 (docs/lab.md). The `inet` table catches what the internet namespace routes (the LANs behind
// firewall routers). Every other address, the brokers' included, stays reachable. Lifted on destruction.
class LabCut {
public:
    LabCut(LabNetwork& lab, const QString& a, const QString& b);
    ~LabCut();
    LabCut(const LabCut&) = delete;
    LabCut& operator=(const LabCut&) = delete;

    bool active() const { return m_active; }
    QString error() const { return m_error; }
    // Deletes both tables; true once they are gone.
    bool lift();

private:
    bool apply(const QString& script);

    LabNetwork& m_lab;
    bool m_active = false;
    QString m_error;
};

} // namespace pvc::test
