#pragma once

#include <QLoggingCategory>

// Every module logs through its own category, so that QT_LOGGING_RULES can select them.
Q_DECLARE_LOGGING_CATEGORY(lcBroker)
Q_DECLARE_LOGGING_CATEGORY(lcMaster)
Q_DECLARE_LOGGING_CATEGORY(lcDaemon)
Q_DECLARE_LOGGING_CATEGORY(lcPeer)
Q_DECLARE_LOGGING_CATEGORY(lcConnectivity)
Q_DECLARE_LOGGING_CATEGORY(lcControl)
Q_DECLARE_LOGGING_CATEGORY(lcGrid)
Q_DECLARE_LOGGING_CATEGORY(lcData)
Q_DECLARE_LOGGING_CATEGORY(lcBatch)

namespace pvc::core {
// One line per message with time and category, the same in every binary.
void installLogFormat();
} // namespace pvc::core
