#pragma once

#include "labnetwork.h"

#include <QString>

namespace pvc::test {

// Drops every UDP datagram a member sends to the lab, as a `noudp` router would, by a table named `pvcbench` in the
// member's own namespace. Unlike a `noudp` router it can be lifted, so one member can be measured both ways. Lifted on
// destruction; deleting the namespace removes it too.
class UdpBlock {
public:
    UdpBlock(LabNetwork& lab, const QString& node);
    ~UdpBlock();
    UdpBlock(const UdpBlock&) = delete;
    UdpBlock& operator=(const UdpBlock&) = delete;

    bool active() const { return m_active; }
    void lift();

private:
    LabNetwork& m_lab;
    QString m_node;
    bool m_active = false;
};

} // namespace pvc::test
