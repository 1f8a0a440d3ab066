#include "batch/batchspec.h"

#include "data/dataref.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>
#include <cmath>
#include <optional>

namespace pvc::core {

namespace {

const QString Format = QStringLiteral("pvc-batch-1");

// The parser's state: where relative paths start, and the first error, with the field it concerns.
struct Parser {
    QDir base;
    QString error;

    bool fail(const QString& field, const QString& why)
    {
        if (error.isEmpty())
            error = field + QStringLiteral(": ") + why;
        return false;
    }
};

bool isPlainName(const QString& name)
{
    static const QRegularExpression plain(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$"));
    return plain.match(name).hasMatch();
}

bool onlyKnownKeys(Parser& p, const QString& field, const QJsonObject& object, const QStringList& known)
{
    for (auto it = object.constBegin(); it != object.constEnd(); ++it)
        if (!known.contains(it.key()))
            return p.fail(field + QLatin1Char('.') + it.key(), QStringLiteral("not a field of this object"));
    return true;
}

std::optional<int> integer(Parser& p, const QString& field, const QJsonValue& value, int min, int max, int fallback)
{
    if (value.isUndefined())
        return fallback;
    const double number = value.toDouble(std::nan(""));
    if (!value.isDouble() || number != std::floor(number) || number < min || number > max) {
        p.fail(field, QStringLiteral("an integer from %1 to %2").arg(min).arg(max));
        return std::nullopt;
    }
    return int(number);
}

std::optional<double> fraction(Parser& p, const QString& field, const QJsonValue& value, double fallback)
{
    if (value.isUndefined())
        return fallback;
    if (!value.isDouble() || !(value.toDouble() > 0 && value.toDouble() < 1)) {
        p.fail(field, QStringLiteral("a number between 0 and 1, both excluded"));
        return std::nullopt;
    }
    return value.toDouble();
}

// A file given by the admin: it must exist and be readable now, not at submission.
std::optional<QString> readableFile(Parser& p, const QString& field, const QJsonValue& value)
{
    if (!value.isString() || value.toString().isEmpty()) {
        p.fail(field, QStringLiteral("a file's path"));
        return std::nullopt;
    }
    const QFileInfo info(QDir::cleanPath(p.base.absoluteFilePath(value.toString())));
    if (!info.isFile() || !info.isReadable()) {
        p.fail(field, QStringLiteral("%1 is not a readable file").arg(info.absoluteFilePath()));
        return std::nullopt;
    }
    return info.absoluteFilePath();
}

bool parseComparator(Parser& p, const QJsonValue& value, CertificationSpec& spec)
{
    const QString field = QStringLiteral("certification.comparator");
    if (value.isUndefined() || value == QJsonValue(QStringLiteral("exact")))
        return true;
    if (!value.isArray() || value.toArray().isEmpty() || value.toArray().size() > 32)
        return p.fail(field, QStringLiteral("\"exact\", or a command as an array of 1 to 32 strings"));
    for (const QJsonValue& word : value.toArray()) {
        if (!word.isString() || word.toString().isEmpty())
            return p.fail(field, QStringLiteral("every word of the command must be a non-empty string"));
        spec.comparator.append(word.toString());
    }
    // A program named by a path is taken from the batch's folder; a bare name from PATH.
    if (spec.comparator.first().contains(QLatin1Char('/')))
        spec.comparator.first() = QDir::cleanPath(p.base.absoluteFilePath(spec.comparator.first()));
    return true;
}

bool parseCertification(Parser& p, const QJsonValue& value, CertificationSpec& spec)
{
    const QString field = QStringLiteral("certification");
    if (value.isUndefined())
        return true;
    const QJsonObject c = value.toObject();
    if (!value.isObject()
        || !onlyKnownKeys(p, field, c,
            { QStringLiteral("mode"), QStringLiteral("quorum"), QStringLiteral("max_replicas"),
                QStringLiteral("spot_check_every"), QStringLiteral("spot_check_first"), QStringLiteral("target_error"),
                QStringLiteral("saboteur_fraction"), QStringLiteral("comparator") }))
        return p.fail(field, QStringLiteral("an object"));
    const QJsonValue mode = c.value(QLatin1String("mode"));
    if (mode == QJsonValue(QStringLiteral("none")))
        spec.mode = CertificationSpec::Mode::None;
    else if (mode == QJsonValue(QStringLiteral("credibility")))
        spec.mode = CertificationSpec::Mode::Credibility;
    else if (!mode.isUndefined() && mode != QJsonValue(QStringLiteral("voting")))
        return p.fail(field + QStringLiteral(".mode"), QStringLiteral("\"none\", \"voting\" or \"credibility\""));
    const auto quorum = integer(p, field + QStringLiteral(".quorum"), c.value(QLatin1String("quorum")), 1,
        BatchSpec::MaxReplicas, spec.mode == CertificationSpec::Mode::None ? 1 : 2);
    const auto every = integer(
        p, field + QStringLiteral(".spot_check_every"), c.value(QLatin1String("spot_check_every")), 0, 100000, 0);
    const auto error
        = fraction(p, field + QStringLiteral(".target_error"), c.value(QLatin1String("target_error")), 0.01);
    const auto saboteurs
        = fraction(p, field + QStringLiteral(".saboteur_fraction"), c.value(QLatin1String("saboteur_fraction")), 0.1);
    if (!quorum || !every || !error || !saboteurs)
        return false;
    const auto most = integer(p, field + QStringLiteral(".max_replicas"), c.value(QLatin1String("max_replicas")),
        *quorum, BatchSpec::MaxReplicas, std::max(*quorum, 2 * *quorum - 1));
    if (!most)
        return false;
    spec.quorum = *quorum;
    spec.maxReplicas = *most;
    spec.spotCheckEvery = *every;
    const QJsonValue first = c.value(QLatin1String("spot_check_first"));
    if (!first.isUndefined() && !first.isBool())
        return p.fail(field + QStringLiteral(".spot_check_first"), QStringLiteral("true or false"));
    spec.spotCheckFirst = first.toBool(true);
    spec.targetError = *error;
    spec.saboteurFraction = *saboteurs;
    if (spec.mode == CertificationSpec::Mode::Credibility && spec.spotCheckEvery == 0)
        return p.fail(field + QStringLiteral(".spot_check_every"),
            QStringLiteral("credibility comes from spot-checks: give one per k tasks, k > 0"));
    return parseComparator(p, c.value(QLatin1String("comparator")), spec);
}

bool parseInput(Parser& p, const QString& field, const QJsonValue& value, TaskInput& input)
{
    const QJsonObject in = value.toObject();
    if (!value.isObject()
        || !onlyKnownKeys(p, field, in, { QStringLiteral("path"), QStringLiteral("data"), QStringLiteral("as") }))
        return p.fail(field, QStringLiteral("an object with \"path\" or \"data\""));
    if (in.contains(QLatin1String("path")) == in.contains(QLatin1String("data")))
        return p.fail(
            field, QStringLiteral("exactly one of \"path\" (a file here) and \"data\" (a pvc-data: reference)"));
    if (in.contains(QLatin1String("path"))) {
        const auto path = readableFile(p, field + QStringLiteral(".path"), in.value(QLatin1String("path")));
        if (!path)
            return false;
        input.path = *path;
        input.name = QFileInfo(*path).fileName();
    } else {
        const auto ref = DataRef::parse(in.value(QLatin1String("data")).toString());
        if (!ref)
            return p.fail(field + QStringLiteral(".data"), ref.error().detail);
        input.data = ref->toString();
        input.name = ref->name;
    }
    if (in.contains(QLatin1String("as")))
        input.name = in.value(QLatin1String("as")).toString();
    if (!isPlainName(input.name))
        return p.fail(field + QStringLiteral(".as"), QStringLiteral("not a plain file name"));
    return true;
}

bool parseFiles(Parser& p, const QString& field, const QJsonObject& t, TaskSpec& task)
{
    const QJsonValue inputs = t.value(QLatin1String("inputs"));
    if (!inputs.isUndefined() && (!inputs.isArray() || inputs.toArray().size() > BatchSpec::MaxFiles))
        return p.fail(
            field + QStringLiteral(".inputs"), QStringLiteral("an array of at most %1").arg(BatchSpec::MaxFiles));
    QSet<QString> names;
    for (qsizetype i = 0; i < inputs.toArray().size(); ++i) {
        TaskInput input;
        const QString where = field + QStringLiteral(".inputs[%1]").arg(i);
        if (!parseInput(p, where, inputs.toArray().at(i), input))
            return false;
        if (names.contains(input.name))
            return p.fail(where, QStringLiteral("%1 is already an input of this task").arg(input.name));
        names.insert(input.name);
        task.inputs.append(input);
    }
    const QJsonValue outputs = t.value(QLatin1String("outputs"));
    const qsizetype count = outputs.toArray().size();
    if (!outputs.isArray() || count == 0 || count > BatchSpec::MaxFiles)
        return p.fail(field + QStringLiteral(".outputs"),
            QStringLiteral("an array of 1 to %1 file names: the results to certify").arg(BatchSpec::MaxFiles));
    for (qsizetype i = 0; i < count; ++i) {
        const QString name = outputs.toArray().at(i).toString();
        const QString where = field + QStringLiteral(".outputs[%1]").arg(i);
        if (!isPlainName(name))
            return p.fail(where, QStringLiteral("not a plain file name"));
        if (names.contains(name))
            return p.fail(where, QStringLiteral("%1 is already an input or output of this task").arg(name));
        names.insert(name);
        task.outputs.append(name);
    }
    return true;
}

bool parseExpected(Parser& p, const QString& field, const QJsonValue& value, TaskSpec& task)
{
    if (!value.isObject())
        return p.fail(field, QStringLiteral("an object: each output's known answer, a file here"));
    const QJsonObject expected = value.toObject();
    for (const QString& output : std::as_const(task.outputs)) {
        const auto file = readableFile(p, field + QLatin1Char('.') + output, expected.value(output));
        if (!file)
            return false;
        task.expected.insert(output, *file);
    }
    return onlyKnownKeys(p, field, expected, task.outputs);
}

bool parseTask(Parser& p, const QString& field, const QJsonValue& value, bool spotCheck, TaskSpec& task)
{
    const QJsonObject t = value.toObject();
    QStringList known { QStringLiteral("id"), QStringLiteral("command"), QStringLiteral("inputs"),
        QStringLiteral("outputs"), QStringLiteral("cores"), QStringLiteral("memory_mb") };
    if (spotCheck)
        known << QStringLiteral("expected");
    if (!value.isObject() || !onlyKnownKeys(p, field, t, known))
        return p.fail(field, QStringLiteral("an object"));
    task.id = t.value(QLatin1String("id")).toString();
    if (!isPlainName(task.id))
        return p.fail(field + QStringLiteral(".id"), QStringLiteral("letters, digits, '.', '_', '+' or '-', 1 to 128"));
    task.command = t.value(QLatin1String("command")).toString();
    if (task.command.trimmed().isEmpty() || task.command.toUtf8().size() > BatchSpec::MaxCommandBytes)
        return p.fail(field + QStringLiteral(".command"),
            QStringLiteral("a shell command of 1 to %1 bytes").arg(BatchSpec::MaxCommandBytes));
    const auto cores = integer(p, field + QStringLiteral(".cores"), t.value(QLatin1String("cores")), 1, 256, 1);
    const auto memory
        = integer(p, field + QStringLiteral(".memory_mb"), t.value(QLatin1String("memory_mb")), 0, 1 << 20, 0);
    if (!cores || !memory || !parseFiles(p, field, t, task))
        return false;
    task.cores = *cores;
    task.memoryMb = *memory;
    return !spotCheck
        || parseExpected(p, field + QStringLiteral(".expected"), t.value(QLatin1String("expected")), task);
}

bool parseTasks(
    Parser& p, const QJsonObject& root, const QString& key, bool spotChecks, QList<TaskSpec>& tasks, QSet<QString>& ids)
{
    const QJsonValue list = root.value(key);
    if (list.isUndefined() && spotChecks)
        return true;
    if (!list.isArray() || (!spotChecks && list.toArray().isEmpty()) || list.toArray().size() > BatchSpec::MaxTasks)
        return p.fail(key, QStringLiteral("an array of 1 to %1 tasks").arg(BatchSpec::MaxTasks));
    for (qsizetype i = 0; i < list.toArray().size(); ++i) {
        TaskSpec task;
        const QString field = key + QStringLiteral("[%1]").arg(i);
        if (!parseTask(p, field, list.toArray().at(i), spotChecks, task))
            return false;
        if (ids.contains(task.id))
            return p.fail(field + QStringLiteral(".id"), QStringLiteral("%1 is used twice").arg(task.id));
        ids.insert(task.id);
        tasks.append(task);
    }
    return true;
}

} // namespace

Result<BatchSpec> BatchSpec::parse(const QByteArray& json, const QString& baseDir)
{
    const auto refuse = [](const QString& detail) { return makeError("batch.bad_description", detail); };
    if (json.size() > MaxBytes)
        return refuse(QStringLiteral("the description is larger than %1 bytes").arg(MaxBytes));
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (!document.isObject())
        return refuse(
            QStringLiteral("not a JSON object: %1 at byte %2").arg(parseError.errorString()).arg(parseError.offset));
    const QJsonObject root = document.object();
    Parser p { QDir(baseDir), {} };
    BatchSpec spec;
    QSet<QString> ids;
    if (root.value(QLatin1String("format")) != QJsonValue(Format))
        p.fail(QStringLiteral("format"), QStringLiteral("must be \"%1\"").arg(Format));
    else if (onlyKnownKeys(p, QStringLiteral("batch"), root,
                 { QStringLiteral("format"), QStringLiteral("name"), QStringLiteral("certification"),
                     QStringLiteral("tasks"), QStringLiteral("spot_checks") })
        && parseCertification(p, root.value(QLatin1String("certification")), spec.certification)
        && parseTasks(p, root, QStringLiteral("tasks"), false, spec.tasks, ids)
        && parseTasks(p, root, QStringLiteral("spot_checks"), true, spec.spotChecks, ids)) {
        spec.name = root.value(QLatin1String("name")).toString();
        if (!isPlainName(spec.name))
            p.fail(QStringLiteral("name"), QStringLiteral("letters, digits, '.', '_', '+' or '-', 1 to 128"));
        else if (spec.certification.spotCheckEvery > 0 && spec.spotChecks.isEmpty())
            p.fail(QStringLiteral("spot_checks"),
                QStringLiteral("certification.spot_check_every needs known-answer tasks here"));
    }
    if (!p.error.isEmpty())
        return refuse(p.error);
    return spec;
}

Result<BatchSpec> BatchSpec::load(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return makeError("batch.bad_description", QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
    if (file.size() > MaxBytes)
        return makeError("batch.bad_description", QStringLiteral("%1 is larger than %2 bytes").arg(path).arg(MaxBytes));
    return parse(file.read(MaxBytes + 1), QFileInfo(path).absolutePath());
}

} // namespace pvc::core
