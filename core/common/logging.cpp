#include "common/logging.h"

Q_LOGGING_CATEGORY(lcBroker, "pvc.broker", QtInfoMsg)
Q_LOGGING_CATEGORY(lcMaster, "pvc.master", QtInfoMsg)
Q_LOGGING_CATEGORY(lcDaemon, "pvc.daemon", QtInfoMsg)
Q_LOGGING_CATEGORY(lcPeer, "pvc.peer", QtInfoMsg)
Q_LOGGING_CATEGORY(lcConnectivity, "pvc.connectivity", QtInfoMsg)
Q_LOGGING_CATEGORY(lcControl, "pvc.control", QtInfoMsg)
Q_LOGGING_CATEGORY(lcGrid, "pvc.grid", QtInfoMsg)
Q_LOGGING_CATEGORY(lcData, "pvc.data", QtInfoMsg)
Q_LOGGING_CATEGORY(lcBatch, "pvc.batch", QtInfoMsg)

namespace pvc::core {

void installLogFormat()
{
    qSetMessagePattern(QStringLiteral("%{time yyyy-MM-ddThh:mm:ss.zzz} %{category} %{type}: %{message}"));
}

} // namespace pvc::core
