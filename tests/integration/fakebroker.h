#pragma once

#include <QJsonObject>
#include <QList>
#include <QMutex>
#include <QObject>
#include <QSslCertificate>
#include <QSslKey>
#include <functional>

class QSslServer;
class QSslSocket;

namespace pvc::ipc {
class FramedChannel;
}

// A broker that lies. It speaks the real broker protocol, welcomes whoever says hello, and then
// sends whatever the test scripts: forged presence, forged enrolment answers, forged revocations.
// It runs in its own thread so that the test can block on the CLI meanwhile.
class FakeBroker : public QObject {
    Q_OBJECT
public:
    using Script = std::function<void(FakeBroker*, const QJsonObject& received)>;

    FakeBroker(quint16 port, Script script);
    // Called in the broker's thread, from the script.
    void send(const QJsonObject& message);

    // Every message received, for the test thread.
    QList<QJsonObject> received();

public Q_SLOTS:
    void listen();

private:
    void handleConnection();

    quint16 m_port;
    Script m_script;
    QSslServer* m_server = nullptr;
    pvc::ipc::FramedChannel* m_channel = nullptr;
    QMutex m_mutex;
    QList<QJsonObject> m_received;
};
