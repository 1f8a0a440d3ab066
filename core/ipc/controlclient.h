#pragma once

#include <QJsonObject>
#include <QString>

namespace pvc::ipc {

// The control API's answer: either ok with a result object, or a stable error code and detail.
struct ControlReply {
    bool ok = false;
    QJsonObject result;
    QString errorCode; // e.g. "control.unreachable", "enrol.token_expired"
    QString errorDetail;
};

// A blocking request over the control socket, for the CLI and tests. The GUI uses the same frames.
ControlReply controlRequest(
    const QString& socketPath, const QString& command, const QJsonObject& arguments, int timeoutMs);

} // namespace pvc::ipc
