#pragma once

#include "common/result.h"

#include <QObject>
#include <functional>

class QLocalServer;
class QLocalSocket;

namespace pvc::core {

struct DataRef;

// The narrowest way for a task in the worker's sandbox to get a `pvc-data:` input (docs/data.md): a
// Unix socket bound into the sandbox at /pvc/data.sock. A task writes one line, the reference; pvcd
// fetches it (once per host, whatever the number of tasks asking) and answers one line, `ok PATH` with
// the data's path inside the sandbox (under the read-only /pvc/data), or `error CODE DETAIL`. Nothing
// else of pvcd is reachable through it.
class DataGate : public QObject {
    Q_OBJECT
public:
    static constexpr qint64 MaxRequestBytes = 600;
    static constexpr int MaxConnections = 64;
    // Fetches ref and answers with its host path once complete (or an error).
    using Fetcher = std::function<void(const DataRef& ref, std::function<void(const Result<QString>&)> done)>;

    DataGate(const QString& hostDataDirectory, const QString& insideDataDirectory, QObject* parent);
    ~DataGate() override;

    void setFetcher(Fetcher fetcher) { m_fetcher = std::move(fetcher); }
    bool listen(const QString& path, QString* error);

private:
    void accept();
    void handle(QLocalSocket* socket);
    void answer(QLocalSocket* socket, const QByteArray& line);

    QString m_hostDirectory;
    QString m_insideDirectory;
    Fetcher m_fetcher;
    QLocalServer* m_server;
    int m_open = 0;
};

} // namespace pvc::core
