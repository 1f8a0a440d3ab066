#include "common/hostport.h"

namespace pvc::core {

Result<HostPort> HostPort::parse(const QString& text)
{
    const qsizetype colon = text.lastIndexOf(QLatin1Char(':'));
    bool ok = false;
    const uint port = colon > 0 ? text.mid(colon + 1).toUInt(&ok) : 0;
    if (!ok || port == 0 || port > 65535 || text.size() > MaxTextBytes)
        return makeError("address.malformed", QStringLiteral("'%1' is not HOST:PORT").arg(text));
    return HostPort { text.left(colon), quint16(port) };
}

} // namespace pvc::core
