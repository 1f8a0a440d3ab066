#include "coordinator/localinfo.h"

#include "ipc/frame.h"

#include <QJsonArray>

namespace pvc::core {

QJsonObject LocalInfo::record(const char* type) const
{
    QJsonObject record = ipc::makeMessage(type);
    QJsonArray endpoints;
    for (const auto& [endpoint, kind] : candidates)
        endpoints.append(QJsonObject { { QStringLiteral("endpoint"), endpoint }, { QStringLiteral("kind"), kind } });
    record.insert(QStringLiteral("candidates"), endpoints);
    record.insert(QStringLiteral("nat"), nat);
    record.insert(QStringLiteral("udp"), udp);
    record.insert(QStringLiteral("tcp_addresses"), QJsonArray::fromStringList(tcpAddresses));
    return record;
}

} // namespace pvc::core
