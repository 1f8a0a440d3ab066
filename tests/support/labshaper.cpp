#include "labshaper.h"

namespace pvc::test {

LabShaper::LabShaper(
    LabNetwork& lab, const QString& node, const QString& rate, Direction direction, const QString& burst)
    : m_lab(lab)
{
    QList<QPair<QString, QString>> links { { node, QStringLiteral("eth0") } };
    if (direction == Direction::Both) {
        const QString router = lab.routerOf(node);
        links.append(router.isEmpty() ? qMakePair(QStringLiteral("inet"), QStringLiteral("p-") + node)
                                      : qMakePair(router, QStringLiteral("h-") + node));
    }
    for (const auto& [where, interface] : links) {
        const RunResult r = m_lab.exec(where,
            { QStringLiteral("tc"), QStringLiteral("qdisc"), QStringLiteral("replace"), QStringLiteral("dev"),
                interface, QStringLiteral("root"), QStringLiteral("tbf"), QStringLiteral("rate"), rate,
                QStringLiteral("burst"), burst, QStringLiteral("latency"), QStringLiteral("100ms") });
        if (r.exitCode != 0) {
            m_error = where + QLatin1Char(' ') + interface + QStringLiteral(": ") + r.err;
            return;
        }
        m_shaped.append({ where, interface });
    }
}

LabShaper::~LabShaper()
{
    for (const auto& [where, interface] : m_shaped)
        m_lab.exec(where,
            { QStringLiteral("tc"), QStringLiteral("qdisc"), QStringLiteral("del"), QStringLiteral("dev"), interface,
                QStringLiteral("root") });
}

} // namespace pvc::test
