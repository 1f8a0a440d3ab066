#include "workqueuetask.h"

extern "C" {
#include <cctools/work_queue.h>
}

namespace pvc::batch {

namespace {
QString quoted(const QString& word)
{
    QString escaped = word;
    escaped.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
    return QLatin1Char('\'') + escaped + QLatin1Char('\'');
}
} // namespace

QString replicaCommand(const core::TaskSpec& task)
{
    QString command;
    for (const core::TaskInput& input : task.inputs)
        if (!input.data.isEmpty())
            command += QStringLiteral("pvc_data=$(/pvc/pvc-sandbox-relay --fetch %1) && ln -s \"$pvc_data\" %2 && ")
                           .arg(quoted(input.data), quoted(input.name));
    return command + QStringLiteral("( ") + task.command + QStringLiteral(" )");
}

struct work_queue_task* makeWorkQueueTask(
    const core::TaskSpec& task, const QString& host, const QString& outputDir, const QString& tag)
{
    struct work_queue_task* t = work_queue_task_create(replicaCommand(task).toUtf8().constData());
    if (!t)
        return nullptr;
    work_queue_task_specify_tag(t, tag.toUtf8().constData());
    work_queue_task_specify_feature(t, (QStringLiteral("pvc-host-") + host).toUtf8().constData());
    work_queue_task_specify_cores(t, task.cores);
    if (task.memoryMb > 0)
        work_queue_task_specify_memory(t, task.memoryMb);
    // One try: a replica that fails is a vote lost, and certification decides what to run next.
    work_queue_task_specify_max_retries(t, 1);
    for (const core::TaskInput& input : task.inputs)
        if (!input.path.isEmpty())
            work_queue_task_specify_file(t, input.path.toUtf8().constData(), input.name.toUtf8().constData(),
                WORK_QUEUE_INPUT, WORK_QUEUE_CACHE);
    for (const QString& output : task.outputs)
        work_queue_task_specify_file(t, (outputDir + QLatin1Char('/') + output).toUtf8().constData(),
            output.toUtf8().constData(), WORK_QUEUE_OUTPUT, WORK_QUEUE_NOCACHE);
    return t;
}

} // namespace pvc::batch
