// pvc-wqmanager: a small, real Work Queue manager (libwork_queue from cctools) for the grid's lab
// tests and the demo. It reads a batch of tasks as JSON, submits them on a port, waits for every
// one, and writes what came back as JSON: which host ran each task, its result and exit status.
//
// Batch: {"tasks": [{"tag": "t1", "command": "...", "inputs": [{"local": "...", "remote": "..."}],
//          "outputs": [{"local": "...", "remote": "..."}], "feature": "pvc-host-alice", "cores": 1}]}
// Report: {"tasks": [{"tag", "host", "result", "exit", "tries", "done_s", "commit_start_s", "commit_end_s",
//          "finished_s"}], "seconds": N, "complete": bool}
// Times are seconds since the tasks were submitted: done_s when this program got the task back, the others
// from Work Queue's own timestamps (inputs started and finished going to the worker, task retrieved).
// --workers N submits nothing until N workers are connected, so that a measured batch starts on all of them.
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <cstdio>

extern "C" {
#include <cctools/work_queue.h>
}

namespace {

constexpr qint64 MaxBatchBytes = 16 * 1024 * 1024;

bool submit(struct work_queue* queue, const QJsonObject& spec)
{
    const QByteArray command = spec.value(QLatin1String("command")).toString().toUtf8();
    struct work_queue_task* task = work_queue_task_create(command.constData());
    if (!task)
        return false;
    work_queue_task_specify_tag(task, spec.value(QLatin1String("tag")).toString().toUtf8().constData());
    const auto files = [task](const QJsonValue& list, work_queue_file_type_t type) {
        for (const QJsonValue& file : list.toArray())
            work_queue_task_specify_file(task, file[QLatin1String("local")].toString().toUtf8().constData(),
                file[QLatin1String("remote")].toString().toUtf8().constData(), type, WORK_QUEUE_NOCACHE);
    };
    files(spec.value(QLatin1String("inputs")), WORK_QUEUE_INPUT);
    files(spec.value(QLatin1String("outputs")), WORK_QUEUE_OUTPUT);
    if (spec.contains(QLatin1String("feature")))
        work_queue_task_specify_feature(task, spec.value(QLatin1String("feature")).toString().toUtf8().constData());
    work_queue_task_specify_cores(task, spec.value(QLatin1String("cores")).toInt(1));
    if (spec.contains(QLatin1String("max_retries")))
        work_queue_task_specify_max_retries(task, spec.value(QLatin1String("max_retries")).toInt());
    return work_queue_submit(queue, task) > 0;
}

QJsonObject describe(const struct work_queue_task* task, timestamp_t submitted)
{
    const auto since = [submitted](timestamp_t at) { return at > submitted ? double(at - submitted) / 1e6 : 0.0; };
    return QJsonObject { { QStringLiteral("commit_start_s"), since(task->time_when_commit_start) },
        { QStringLiteral("commit_end_s"), since(task->time_when_commit_end) },
        { QStringLiteral("finished_s"), since(task->time_when_done) },
        { QStringLiteral("tag"), QString::fromUtf8(task->tag ? task->tag : "") },
        { QStringLiteral("host"), QString::fromUtf8(task->hostname ? task->hostname : "") },
        { QStringLiteral("result"), int(task->result) }, { QStringLiteral("exit"), task->return_status },
        { QStringLiteral("tries"), task->try_count } };
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("A Work Queue manager that runs a JSON batch and reports it."));
    parser.addHelpOption();
    parser.addOption({ QStringLiteral("port"), QStringLiteral("Port to listen on."), QStringLiteral("n") });
    parser.addOption({ QStringLiteral("batch"), QStringLiteral("The batch (JSON)."), QStringLiteral("file") });
    parser.addOption(
        { QStringLiteral("report"), QStringLiteral("Where to write the report."), QStringLiteral("file") });
    parser.addOption({ QStringLiteral("timeout"), QStringLiteral("Give up after this many seconds."),
        QStringLiteral("s"), QStringLiteral("600") });
    parser.addOption({ QStringLiteral("keepalive"),
        QStringLiteral("Keepalive interval and timeout in seconds (a paused worker is dropped after both)."),
        QStringLiteral("s"), QStringLiteral("30") });
    parser.addOption({ QStringLiteral("workers"), QStringLiteral("Submit once this many workers are connected."),
        QStringLiteral("n"), QStringLiteral("0") });
    parser.process(app);

    QFile batchFile(parser.value(QStringLiteral("batch")));
    if (!batchFile.open(QIODevice::ReadOnly) || batchFile.size() > MaxBatchBytes) {
        std::fprintf(stderr, "pvc-wqmanager: cannot read the batch (at most 16 MiB)\n");
        return 2;
    }
    const QJsonArray tasks
        = QJsonDocument::fromJson(batchFile.readAll()).object().value(QLatin1String("tasks")).toArray();
    struct work_queue* queue = work_queue_create(parser.value(QStringLiteral("port")).toInt());
    if (!queue) {
        std::fprintf(
            stderr, "pvc-wqmanager: cannot listen on port %s\n", qPrintable(parser.value(QStringLiteral("port"))));
        return 1;
    }
    const int keepalive = parser.value(QStringLiteral("keepalive")).toInt();
    work_queue_specify_keepalive_interval(queue, keepalive);
    work_queue_specify_keepalive_timeout(queue, keepalive);
    const int workers = parser.value(QStringLiteral("workers")).toInt();
    QElapsedTimer waiting;
    waiting.start();
    for (struct work_queue_stats stats {}; workers > 0;) {
        work_queue_get_stats(queue, &stats);
        if (stats.workers_connected >= workers)
            break;
        if (waiting.elapsed() > parser.value(QStringLiteral("timeout")).toLongLong() * 1000) {
            std::fprintf(stderr, "pvc-wqmanager: %d of %d workers connected\n", stats.workers_connected, workers);
            return 3;
        }
        work_queue_wait(queue, 1); // accepts connections
    }
    const timestamp_t submitted = timestamp_t(QDateTime::currentMSecsSinceEpoch()) * 1000;
    for (const QJsonValue& task : tasks)
        if (!submit(queue, task.toObject())) {
            std::fprintf(stderr, "pvc-wqmanager: a task could not be submitted\n");
            return 1;
        }
    std::fprintf(stderr, "pvc-wqmanager: %lld tasks on port %d\n", qlonglong(tasks.size()), work_queue_port(queue));

    QElapsedTimer clock;
    clock.start();
    const qint64 limitMs = parser.value(QStringLiteral("timeout")).toLongLong() * 1000;
    QJsonArray done;
    while (!work_queue_empty(queue) && clock.elapsed() < limitMs) {
        struct work_queue_task* task = work_queue_wait(queue, 2);
        if (!task)
            continue;
        QJsonObject finished = describe(task, submitted);
        finished.insert(QStringLiteral("done_s"), clock.elapsed() / 1000.0);
        done.append(finished);
        std::fprintf(stderr, "pvc-wqmanager: %lld/%lld %s on %s (result %d, exit %d)\n", qlonglong(done.size()),
            qlonglong(tasks.size()), task->tag, task->hostname ? task->hostname : "?", int(task->result),
            task->return_status);
        work_queue_task_delete(task);
    }
    const QJsonObject report { { QStringLiteral("tasks"), done },
        { QStringLiteral("seconds"), clock.elapsed() / 1000.0 },
        { QStringLiteral("complete"), done.size() == tasks.size() } };
    QFile out(parser.value(QStringLiteral("report")));
    if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate) || out.write(QJsonDocument(report).toJson()) < 0) {
        std::fprintf(stderr, "pvc-wqmanager: cannot write the report\n");
        return 1;
    }
    work_queue_delete(queue);
    return done.size() == tasks.size() ? 0 : 3;
}
