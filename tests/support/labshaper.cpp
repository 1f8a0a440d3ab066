#include "labshaper.h"

namespace pvc::test {

LabShaper::LabShaper(LabNetwork& lab, const QString& node, const QString& rate)
    : m_lab(lab)
    , m_node(node)
{
    const RunResult r = m_lab.exec(node,
        { QStringLiteral("tc"), QStringLiteral("qdisc"), QStringLiteral("replace"), QStringLiteral("dev"),
            QStringLiteral("eth0"), QStringLiteral("root"), QStringLiteral("tbf"), QStringLiteral("rate"), rate,
            QStringLiteral("burst"), QStringLiteral("32kbit"), QStringLiteral("latency"), QStringLiteral("100ms") });
    m_active = r.exitCode == 0;
    m_error = r.err;
}

LabShaper::~LabShaper()
{
    if (m_active)
        m_lab.exec(m_node,
            { QStringLiteral("tc"), QStringLiteral("qdisc"), QStringLiteral("del"), QStringLiteral("dev"),
                QStringLiteral("eth0"), QStringLiteral("root") });
}

} // namespace pvc::test
