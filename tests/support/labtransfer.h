#pragma once

#include <QByteArray>
#include <QElapsedTimer>
#include <QProcess>
#include <QString>
#include <memory>

namespace pvc::test {

// What one transfer delivered.
struct TransferResult {
    QString error; // empty when every byte arrived, with the source's SHA-256
    qint64 bytes = 0; // bytes that arrived
    double seconds = 0; // from the client's start until the listener ended
    bool ok() const { return error.isEmpty(); }
};

// One TCP transfer between two lab nodes, made by LabGrid::startTransfer: a socat listener that writes what it
// receives to a file and exits when the connection ends, and a socat client that sends a source file. Destroying it
// kills both by their own PIDs (setpriv and ip netns exec exec in place).
class LabTransfer {
public:
    LabTransfer(const QString& label, std::unique_ptr<QProcess> listener, std::unique_ptr<QProcess> client,
        const QString& source, const QString& received);
    ~LabTransfer();
    LabTransfer(const LabTransfer&) = delete;
    LabTransfer& operator=(const LabTransfer&) = delete;

    // "from -> to (virtual IP:port)"
    QString label() const { return m_label; }
    qint64 size() const { return m_size; }
    // Bytes that have arrived so far.
    qint64 received() const;
    qint64 elapsedMs() const { return m_timer.elapsed(); }
    // Without blocking: true once the client failed, or the client and then the listener ended. The transfer's time
    // ends when this first sees it done, so that transfers run side by side can be timed by polling them in turn.
    bool poll();
    // Polls until done, at most timeoutMs, and compares what arrived with the source.
    TransferResult wait(int timeoutMs);

    static QByteArray sha256Of(const QString& path);

private:
    void stop(QProcess* process);
    static bool ended(QProcess* process);
    bool clientSucceeded() const;

    QString m_label;
    std::unique_ptr<QProcess> m_listener;
    std::unique_ptr<QProcess> m_client;
    QString m_source;
    QString m_received;
    qint64 m_size = 0;
    QElapsedTimer m_timer;
    qint64 m_endNs = -1;
};

} // namespace pvc::test
