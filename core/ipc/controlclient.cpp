#include "ipc/controlclient.h"

#include "ipc/frame.h"

#include <QDeadlineTimer>
#include <QLocalSocket>

namespace pvc::ipc {

namespace {
ControlReply failure(const char* code, const QString& detail)
{
    ControlReply reply;
    reply.errorCode = QString::fromLatin1(code);
    reply.errorDetail = detail;
    return reply;
}
} // namespace

ControlReply controlRequest(
    const QString& socketPath, const QString& command, const QJsonObject& arguments, int timeoutMs)
{
    QLocalSocket socket;
    socket.connectToServer(socketPath);
    if (!socket.waitForConnected(qMin(timeoutMs, 3000)))
        return failure(
            "control.unreachable", QStringLiteral("cannot reach pvcd at %1: %2").arg(socketPath, socket.errorString()));

    QJsonObject request = makeMessage("request");
    request.insert(QStringLiteral("id"), 1);
    request.insert(QStringLiteral("cmd"), command);
    request.insert(QStringLiteral("args"), arguments);
    socket.write(encodeFrame(request));
    socket.flush();

    const QDeadlineTimer deadline(timeoutMs);
    FrameReader reader;
    for (;;) {
        QJsonObject message;
        const FrameReader::Status status = reader.next(&message);
        if (status == FrameReader::Status::Error)
            return failure("control.bad_reply", reader.errorDetail());
        if (status == FrameReader::Status::Frame) {
            ControlReply reply;
            reply.ok = message.value(QLatin1String("ok")).toBool();
            reply.result = message.value(QLatin1String("result")).toObject();
            const QJsonObject error = message.value(QLatin1String("error")).toObject();
            reply.errorCode = error.value(QLatin1String("code")).toString();
            reply.errorDetail = error.value(QLatin1String("detail")).toString();
            return reply;
        }
        if (deadline.hasExpired())
            return failure("control.timeout", QStringLiteral("pvcd did not answer in time"));
        if (socket.state() != QLocalSocket::ConnectedState && socket.bytesAvailable() == 0)
            return failure("control.closed", QStringLiteral("pvcd closed the connection"));
        if (socket.bytesAvailable() == 0)
            socket.waitForReadyRead(int(qMin<qint64>(deadline.remainingTime(), 500)));
        reader.append(socket.read(qMin(reader.room(), socket.bytesAvailable())));
    }
}

} // namespace pvc::ipc
