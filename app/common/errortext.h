#pragma once

#include <QString>

namespace pvc::app {

// The user's words for a stable error code from pvcd; unknown codes fall back to the detail.
QString errorText(const QString& code, const QString& detail);

} // namespace pvc::app
