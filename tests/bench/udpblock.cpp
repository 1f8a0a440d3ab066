#include "udpblock.h"

namespace pvc::test {

UdpBlock::UdpBlock(LabNetwork& lab, const QString& node)
    : m_lab(lab)
    , m_node(node)
{
    // nft joins its arguments into one command.
    const QStringList commands { QStringLiteral("add table inet pvcbench"),
        QStringLiteral("add chain inet pvcbench output { type filter hook output priority 0 ; policy accept ; }"),
        QStringLiteral("add rule inet pvcbench output oifname eth0 meta l4proto udp drop") };
    m_active = true;
    for (const QString& command : commands)
        m_active = m_active && m_lab.exec(m_node, { QStringLiteral("nft"), command }).exitCode == 0;
    if (!m_active)
        lift();
}

UdpBlock::~UdpBlock()
{
    lift();
}

void UdpBlock::lift()
{
    m_lab.exec(m_node, { QStringLiteral("nft"), QStringLiteral("delete table inet pvcbench") });
    m_active = false;
}

} // namespace pvc::test
