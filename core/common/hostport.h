#pragma once

#include "common/result.h"

#include <QString>

namespace pvc::core {

// host:port with a numeric port, as brokers are listed in project.json and endpoints are announced to
// peers; errors address.malformed.
struct HostPort {
    static constexpr qsizetype MaxTextBytes = 255;

    QString host;
    quint16 port = 0;
    static Result<HostPort> parse(const QString& text);
    QString toString() const { return host + QLatin1Char(':') + QString::number(port); }
};

} // namespace pvc::core
