// Batch descriptions (docs/batch.md): a full one parses; every kind of mistake is refused before anything
// runs, naming the field.
#include "batch/batchspec.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using pvc::core::BatchSpec;
using pvc::core::CertificationSpec;

namespace {
const char* Valid = R"({
  "format": "pvc-batch-1", "name": "blast-demo",
  "certification": {"mode": "voting", "quorum": 2, "max_replicas": 3, "spot_check_every": 10,
                    "comparator": ["./same.sh", "--ignore-dates"]},
  "tasks": [
    {"id": "q1", "command": "blastp -query q.fa -db db > out.txt", "outputs": ["out.txt"],
     "inputs": [{"path": "q1.fa", "as": "q.fa"},
                {"data": "pvc-data:0123456789abcdef0123456789abcdef01234567/db@master"}],
     "cores": 2, "memory_mb": 512},
    {"id": "q2", "command": "true", "outputs": ["out.txt"]}
  ],
  "spot_checks": [
    {"id": "k1", "command": "blastp -query q.fa -db db > out.txt", "outputs": ["out.txt"],
     "inputs": [{"path": "q1.fa", "as": "q.fa"}], "expected": {"out.txt": "k1.out"}}
  ]})";
} // namespace

class TstBatchSpec : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void validDescription();
    void mistakesNameTheField_data();
    void mistakesNameTheField();
    void sizeLimitBeforeParsing();

private:
    QTemporaryDir m_dir;
};

void TstBatchSpec::initTestCase()
{
    QVERIFY(m_dir.isValid());
    for (const char* name : { "q1.fa", "k1.out" }) {
        QFile file(m_dir.filePath(QString::fromLatin1(name)));
        QVERIFY(file.open(QIODevice::WriteOnly) && file.write(">x\nMKV\n") > 0);
    }
}

void TstBatchSpec::validDescription()
{
    const auto spec = BatchSpec::parse(Valid, m_dir.path());
    QVERIFY2(spec.ok(), qPrintable(spec.ok() ? QString() : spec.error().detail));
    QCOMPARE(spec->name, QStringLiteral("blast-demo"));
    QCOMPARE(spec->certification.mode, CertificationSpec::Mode::Voting);
    QCOMPARE(spec->certification.quorum, 2);
    QCOMPARE(spec->certification.maxReplicas, 3);
    QCOMPARE(spec->certification.spotCheckEvery, 10);
    QCOMPARE(spec->certification.comparator,
        QStringList({ m_dir.filePath(QStringLiteral("same.sh")), QStringLiteral("--ignore-dates") }));
    QCOMPARE(spec->tasks.size(), 2);
    const auto& q1 = spec->tasks.first();
    QCOMPARE(q1.inputs.size(), 2);
    QCOMPARE(q1.inputs[0].path, m_dir.filePath(QStringLiteral("q1.fa")));
    QCOMPARE(q1.inputs[0].name, QStringLiteral("q.fa"));
    QCOMPARE(q1.inputs[1].name, QStringLiteral("db"));
    QVERIFY(q1.inputs[1].data.startsWith(QLatin1String("pvc-data:0123")));
    QCOMPARE(q1.cores, 2);
    QCOMPARE(q1.memoryMb, 512);
    QCOMPARE(spec->tasks[1].cores, 1);
    QCOMPARE(
        spec->spotChecks.first().expected.value(QStringLiteral("out.txt")), m_dir.filePath(QStringLiteral("k1.out")));
    // The defaults: voting, 2 of at most 3, no spot-checks.
    const auto plain = BatchSpec::parse(
        R"({"format":"pvc-batch-1","name":"b","tasks":[{"id":"a","command":"true","outputs":["o"]}]})", m_dir.path());
    QVERIFY(plain.ok());
    QCOMPARE(plain->certification.quorum, 2);
    QCOMPARE(plain->certification.maxReplicas, 3);
    QCOMPARE(plain->certification.spotCheckEvery, 0);
}

void TstBatchSpec::mistakesNameTheField_data()
{
    QTest::addColumn<QString>("path"); // where to change the valid description, "a.b.0.c"
    QTest::addColumn<QJsonValue>("value");
    QTest::addColumn<QString>("field");
    QTest::newRow("format") << "format" << QJsonValue(QStringLiteral("pvc-batch-2")) << "format";
    QTest::newRow("unknown field") << "colour" << QJsonValue(1) << "batch.colour";
    QTest::newRow("bad name") << "name" << QJsonValue(QStringLiteral("a b")) << "name";
    QTest::newRow("mode") << "certification.mode" << QJsonValue(QStringLiteral("trust")) << "certification.mode";
    QTest::newRow("quorum 0") << "certification.quorum" << QJsonValue(0) << "certification.quorum";
    QTest::newRow("most below quorum") << "certification.max_replicas" << QJsonValue(1) << "certification.max_replicas";
    QTest::newRow("comparator") << "certification.comparator" << QJsonValue(7) << "certification.comparator";
    QTest::newRow("spot-check first") << "certification.spot_check_first" << QJsonValue(1)
                                      << "certification.spot_check_first";
    QTest::newRow("no tasks") << "tasks" << QJsonValue(QJsonArray()) << "tasks";
    QTest::newRow("duplicate id") << "tasks.1.id" << QJsonValue(QStringLiteral("q1")) << "tasks[1].id";
    QTest::newRow("empty command") << "tasks.1.command" << QJsonValue(QStringLiteral(" ")) << "tasks[1].command";
    QTest::newRow("no outputs") << "tasks.1.outputs" << QJsonValue(QJsonArray()) << "tasks[1].outputs";
    QTest::newRow("output path") << "tasks.1.outputs" << QJsonValue(QJsonArray { QStringLiteral("../x") })
                                 << "tasks[1].outputs[0]";
    QTest::newRow("missing input") << "tasks.0.inputs.0.path" << QJsonValue(QStringLiteral("nope.fa"))
                                   << "tasks[0].inputs[0].path";
    QTest::newRow("bad reference") << "tasks.0.inputs.1.data" << QJsonValue(QStringLiteral("pvc-data:zz"))
                                   << "tasks[0].inputs[1].data";
    QTest::newRow("cores") << "tasks.0.cores" << QJsonValue(0) << "tasks[0].cores";
    QTest::newRow("memory as text") << "tasks.0.memory_mb" << QJsonValue(QStringLiteral("1G")) << "tasks[0].memory_mb";
    QTest::newRow("no expected") << "spot_checks.0.expected" << QJsonValue(QJsonObject())
                                 << "spot_checks[0].expected.out.txt";
    QTest::newRow("spot-checks without tasks") << "spot_checks" << QJsonValue(QJsonArray()) << "spot_checks";
}

namespace {
QJsonValue changed(QJsonValue node, QStringList path, const QJsonValue& value)
{
    if (path.isEmpty())
        return value;
    const QString step = path.takeFirst();
    bool isIndex = false;
    const int index = step.toInt(&isIndex);
    if (isIndex) {
        QJsonArray array = node.toArray();
        array[index] = changed(array.at(index), path, value);
        return array;
    }
    QJsonObject object = node.toObject();
    object[step] = changed(object.value(step), path, value);
    return object;
}
} // namespace

void TstBatchSpec::mistakesNameTheField()
{
    QFETCH(QString, path);
    QFETCH(QJsonValue, value);
    QFETCH(QString, field);
    const QJsonValue root = changed(QJsonDocument::fromJson(Valid).object(), path.split(QLatin1Char('.')), value);
    const auto spec = BatchSpec::parse(QJsonDocument(root.toObject()).toJson(), m_dir.path());
    QVERIFY(!spec.ok());
    QCOMPARE(spec.error().code, QStringLiteral("batch.bad_description"));
    QVERIFY2(spec.error().detail.startsWith(field + QLatin1Char(':')), qPrintable(spec.error().detail));
}

void TstBatchSpec::sizeLimitBeforeParsing()
{
    const auto spec = BatchSpec::parse(QByteArray(BatchSpec::MaxBytes + 1, ' '), m_dir.path());
    QVERIFY(!spec.ok());
    QVERIFY(spec.error().detail.contains(QLatin1String("larger than")));
    const auto garbage = BatchSpec::parse("{\"format\": ", m_dir.path());
    QVERIFY(!garbage.ok());
    QVERIFY(garbage.error().detail.startsWith(QLatin1String("not a JSON object")));
}

QTEST_GUILESS_MAIN(TstBatchSpec)
#include "tst_batchspec.moc"
