#pragma once

#include <QJsonObject>
#include <QString>

namespace pvc::core {

// A string field of a JSON message, or an empty string when it is absent or not a string. Parsers of
// wire messages use it for optional text and then validate what they got.
inline QString str(const QJsonObject& object, const char* key)
{
    return object.value(QLatin1String(key)).toString();
}

} // namespace pvc::core
